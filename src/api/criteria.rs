//! `orchestrator.v1.ReviewCriteriaService`.
//!
//! The review gate and its store are not built yet: every RPC answers UNIMPLEMENTED and names
//! what is missing.

use tonic::{Request, Response, Status};

use super::ApiError;
use super::pb;
use super::pb::review_criteria_service_server::ReviewCriteriaService;

const MISSING_REVIEW: &str = "this build has no review gate and no criteria store";

fn unimplemented(method: &'static str) -> Status {
    ApiError::Unimplemented {
        rpc: method,
        missing: MISSING_REVIEW,
    }
    .into()
}

#[derive(Debug, Default)]
pub struct ReviewCriteriaApi;

#[tonic::async_trait]
impl ReviewCriteriaService for ReviewCriteriaApi {
    async fn create_review_criteria(
        &self,
        _request: Request<pb::CreateReviewCriteriaRequest>,
    ) -> Result<Response<pb::CreateReviewCriteriaResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.ReviewCriteriaService/CreateReviewCriteria",
        ))
    }

    async fn get_review_criteria(
        &self,
        _request: Request<pb::GetReviewCriteriaRequest>,
    ) -> Result<Response<pb::GetReviewCriteriaResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.ReviewCriteriaService/GetReviewCriteria",
        ))
    }

    async fn list_review_criteria(
        &self,
        _request: Request<pb::ListReviewCriteriaRequest>,
    ) -> Result<Response<pb::ListReviewCriteriaResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.ReviewCriteriaService/ListReviewCriteria",
        ))
    }

    async fn update_review_criteria(
        &self,
        _request: Request<pb::UpdateReviewCriteriaRequest>,
    ) -> Result<Response<pb::UpdateReviewCriteriaResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.ReviewCriteriaService/UpdateReviewCriteria",
        ))
    }

    async fn delete_review_criteria(
        &self,
        _request: Request<pb::DeleteReviewCriteriaRequest>,
    ) -> Result<Response<pb::DeleteReviewCriteriaResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.ReviewCriteriaService/DeleteReviewCriteria",
        ))
    }

    async fn evaluate_review(
        &self,
        _request: Request<pb::EvaluateReviewRequest>,
    ) -> Result<Response<pb::EvaluateReviewResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.ReviewCriteriaService/EvaluateReview",
        ))
    }
}
