//! What admission control adds to one orchestration: admitting it (the in-flight caps, the
//! token bucket, the memory budgets), charging its three outputs as they arrive, and giving the
//! ticket back, with many tenants and many orchestrations already in flight. An end-to-end
//! orchestration costs about 900 µs of CPU on the development machine, so 2% is about 18 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use orchestrator::model::TenantId;
use orchestrator::service::admission::{Admission, AdmissionLimits};

fn one_orchestration(c: &mut Criterion) {
    let admission = Admission::new(AdmissionLimits {
        max_in_flight: 100_000,
        max_in_flight_per_tenant: 100_000,
        submissions_per_second_per_tenant: 1e12,
        memory_budget: usize::MAX,
        memory_budget_per_tenant: usize::MAX,
    });
    let tenants: Vec<TenantId> = (0..1000)
        .filter_map(|i| TenantId::new(format!("tenant-{i}")).ok())
        .collect();
    // 10,000 orchestrations already in flight across the tenants.
    let _held: Vec<_> = (0..10_000)
        .filter_map(|i| admission.admit(&tenants[i % tenants.len()], 20_000).ok())
        .collect();
    let mut next = 0;
    c.bench_function("admission/admit_charge3_release", |b| {
        b.iter(|| {
            next = (next + 1) % tenants.len();
            let ticket = admission
                .admit(black_box(&tenants[next]), black_box(20_000))
                .ok();
            if let Some(ticket) = &ticket {
                for _ in 0..3 {
                    ticket.charge(black_box(4));
                }
            }
            ticket
        })
    });
}

criterion_group!(benches, one_orchestration);
criterion_main!(benches);
