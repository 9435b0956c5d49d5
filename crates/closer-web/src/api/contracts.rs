//! `/api/v1/deals/{id}/contracts` and `/api/v1/contracts/{id}`: contracts with the customer's
//! approval chain and the signature envelope (D2); `/api/v1/organisations/{id}/paper-process`:
//! the chain an account is known to follow.

use axum::Json;
use axum::extract::Path;
use closer_domain::contracts::{Contract, ContractDraft, ContractPatch, Redline, SignatureEvent, StepDecision};
use closer_domain::ids::{ContractId, DealId, PartyId};
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, Created, IfMatch, OptionalIfMatch, OptionalJson, Tagged};
use super::problem::{Problem, ProblemBody};
use crate::app::Ctx;
use crate::app::contracts::{self, PaperProcess, Step};

/// The deal's contracts, oldest first.
#[utoipa::path(get, path = "/deals/{id}/contracts", tag = "contracts",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Contract>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_contracts(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Vec<Contract>>, Problem> {
    Ok(Json(contracts::of_deal(&ctx, DealId(id)).await?))
}

/// Draws up a contract: a personal agreement on a B2C deal, a company contract on a B2B one with
/// the account's known approval chain (or legal → procurement → finance → signatory).
#[utoipa::path(post, path = "/deals/{id}/contracts", tag = "contracts", request_body = ContractDraft,
    params(("id" = String, Path, format = Uuid),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Contract, headers(("ETag" = String), ("Location" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_contract(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<ContractDraft>,
) -> Result<Created<Contract>, Problem> {
    let contract = contracts::create(&ctx, DealId(id), &draft).await?;
    Ok(Created {
        location: format!("/api/v1/contracts/{}", contract.id),
        record: contract,
    })
}

/// Reads one contract.
#[utoipa::path(get, path = "/contracts/{id}", tag = "contracts",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Contract, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_contract(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Contract>, Problem> {
    Ok(Tagged(crate::app::get::<Contract>(&ctx, id).await?))
}

/// Changes a draft, or the new version while redlining. Needs `If-Match`.
#[utoipa::path(patch, path = "/contracts/{id}", tag = "contracts", request_body = ContractPatch,
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Contract, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn patch_contract(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<ContractPatch>,
) -> Result<Tagged<Contract>, Problem> {
    Ok(Tagged(contracts::patch(&ctx, ContractId(id), &version, &patch).await?))
}

macro_rules! contract_step {
    ($name:ident, $path:literal, $doc:literal, |$body:ident: $ty:ty| $step:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "contracts",
                            params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
                            responses((status = 200, body = Contract, headers(("ETag" = String))),
                                      (status = 404, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 412, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 415, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
        pub async fn $name(
            ctx: Ctx,
            ApiId(id): ApiId,
            OptionalIfMatch(version): OptionalIfMatch,
            OptionalJson($body): OptionalJson<$ty>,
        ) -> Result<Tagged<Contract>, Problem> {
            Ok(Tagged(
                contracts::advance(&ctx, ContractId(id), &version, $step).await?,
            ))
        }
    };
}

/// No body is needed.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Nothing {}

contract_step!(
    ready_contract,
    "/contracts/{id}/ready",
    "B2B: our approvals are given (the contract's quote is issued); the contract is ready for the customer.",
    |_nothing: Nothing| Step::Ready
);
contract_step!(
    send_to_customer,
    "/contracts/{id}/send-to-customer",
    "B2B: the contract goes to the customer and the first steps of their approval chain open. Needs a named signatory.",
    |_nothing: Nothing| Step::SendToCustomer
);
contract_step!(
    revise_contract,
    "/contracts/{id}/revise",
    "The next version after the customer's changes: a commercial change goes back to draft and our approvals; otherwise only the steps that asked for changes review again.",
    |redline: Redline| Step::Revise(&redline)
);
contract_step!(
    cancel_contract,
    "/contracts/{id}/cancel",
    "Withdraws a contract before signature, or cancels a consumer agreement within its cooling-off period.",
    |_nothing: Nothing| Step::Cancel
);
contract_step!(
    terminate_contract,
    "/contracts/{id}/terminate",
    "Ends a signed contract early.",
    |_nothing: Nothing| Step::Terminate
);

/// News of the signature envelope from any provider: `sent` (B2C from a draft, B2B once the
/// customer approved), `delivered`, `completed` (signed: the deal is booked), `declined`,
/// `voided`, `expired`.
#[utoipa::path(post, path = "/contracts/{id}/signature", tag = "contracts", request_body = SignatureEvent,
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Contract, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn signature(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(event): ApiJson<SignatureEvent>,
) -> Result<Tagged<Contract>, Problem> {
    Ok(Tagged(
        contracts::advance(&ctx, ContractId(id), &version, Step::Signature(&event)).await?,
    ))
}

/// Records a customer approval step's decision (`approved`, `changes_requested`, `rejected`);
/// steps are numbered from 0 in the order the contract lists them.
#[utoipa::path(post, path = "/contracts/{id}/customer-steps/{index}", tag = "contracts", request_body = StepDecision,
    params(("id" = String, Path, format = Uuid), ("index" = u32, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Contract, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn decide_customer_step(
    ctx: Ctx,
    Path((id, index)): Path<(String, String)>,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(decision): ApiJson<StepDecision>,
) -> Result<Tagged<Contract>, Problem> {
    let id =
        Uuid::parse_str(&id).map_err(|_| Problem::not_found(format!("'{id}' is not a record id (ids are UUIDs)")))?;
    let index: usize = index
        .parse()
        .map_err(|_| Problem::not_found(format!("'{index}' is not a step number")))?;
    let step = Step::DecideCustomerStep(index, &decision);
    Ok(Tagged(contracts::advance(&ctx, ContractId(id), &version, step).await?))
}

/// The approval chain the organisation follows: learned from its last signed contract, or the
/// usual one.
#[utoipa::path(get, path = "/organisations/{id}/paper-process", tag = "contracts",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PaperProcess),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn paper_process(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<PaperProcess>, Problem> {
    Ok(Json(contracts::paper_process(&ctx, PartyId(id)).await?))
}
