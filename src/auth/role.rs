//! Roles and what they permit. A role is granted to a credential in the settings (API keys,
//! client certificates) or by the identity provider (a JWT's roles claim).

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read orchestrations, their events, agents and criteria; dry-run reviews.
    Viewer,
    /// A viewer that also submits and cancels orchestrations.
    Submitter,
    /// A viewer that also resolves escalations.
    Reviewer,
    /// A viewer that also creates, changes and deletes review criteria.
    CriteriaAdmin,
    /// Everything, and may act for another tenant with `x-tenant-id`.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Viewer,
        Role::Submitter,
        Role::Reviewer,
        Role::CriteriaAdmin,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Submitter => "submitter",
            Role::Reviewer => "reviewer",
            Role::CriteriaAdmin => "criteria_admin",
            Role::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    fn permits(self, permission: Permission) -> bool {
        match self {
            Role::Admin => true,
            Role::Viewer => permission == Permission::View,
            Role::Submitter => matches!(permission, Permission::View | Permission::Submit),
            Role::Reviewer => matches!(permission, Permission::View | Permission::Review),
            Role::CriteriaAdmin => {
                matches!(permission, Permission::View | Permission::ManageCriteria)
            }
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an RPC needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    View,
    Submit,
    Review,
    ManageCriteria,
}

impl Permission {
    pub const ALL: [Permission; 4] = [
        Permission::View,
        Permission::Submit,
        Permission::Review,
        Permission::ManageCriteria,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::View => "view",
            Permission::Submit => "submit",
            Permission::Review => "review",
            Permission::ManageCriteria => "manage_criteria",
        }
    }

    /// The least role that grants it, for the message that refuses a call.
    pub fn least_role(self) -> Role {
        match self {
            Permission::View => Role::Viewer,
            Permission::Submit => Role::Submitter,
            Permission::Review => Role::Reviewer,
            Permission::ManageCriteria => Role::CriteriaAdmin,
        }
    }
}

/// A set of roles, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles(u8);

impl Roles {
    /// Every role: what a caller is when authentication is off.
    pub fn all() -> Self {
        Role::ALL.into_iter().collect()
    }

    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn permits(self, permission: Permission) -> bool {
        self.iter().any(|role| role.permits(permission))
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL
            .into_iter()
            .filter(move |role| self.contains(*role))
    }
}

impl FromIterator<Role> for Roles {
    fn from_iter<I: IntoIterator<Item = Role>>(roles: I) -> Self {
        Roles(roles.into_iter().fold(0, |bits, role| bits | role.bit()))
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no roles");
        }
        let names: Vec<&str> = self.iter().map(Role::as_str).collect();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_permits_what_the_table_says() {
        use Permission::*;
        let table = [
            (Role::Viewer, [true, false, false, false]),
            (Role::Submitter, [true, true, false, false]),
            (Role::Reviewer, [true, false, true, false]),
            (Role::CriteriaAdmin, [true, false, false, true]),
            (Role::Admin, [true, true, true, true]),
        ];
        for (role, expected) in table {
            let roles: Roles = [role].into_iter().collect();
            let got = [View, Submit, Review, ManageCriteria].map(|p| roles.permits(p));
            assert_eq!(got, expected, "{role}");
        }
        assert!(!Roles::default().permits(View));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        let roles: Roles = [Role::Submitter, Role::Viewer].into_iter().collect();
        assert_eq!(roles.to_string(), "viewer, submitter");
    }
}
