//! The demo's telemarketing: a membership campaign calling consumers, their phone consents
//! (China asks for them), and a few numbers on the do-not-call list.

use closer_domain::ids::{CallCampaignId, CallEntryId, ConsentId, DncEntryId, UserId};
use closer_domain::party::Person;
use closer_domain::record::{Ownership, RecordMeta};
use closer_domain::telemarketing::{
    CallEntry, CallEntryFields, Campaign, CampaignFields, CampaignStatus, ConsentChannel, ConsentFields, DialRules,
    DialingMode, DncEntry, DncEntryFields, DncScope, DncSource, ObjectionHandler, Script,
};
use closer_store::{Tx, call_campaigns, call_registers};
use time::Duration;

use super::Seeder;
use crate::app::{AppError, AppResult};

/// How many consumers the demo campaign calls.
const CALLED: usize = 60;

pub(super) async fn seed_call_campaign(
    seeder: &mut Seeder,
    tx: &mut Tx,
    consumers: &[Person],
    owner: UserId,
) -> AppResult<()> {
    let now = seeder.now;
    let campaign = Campaign {
        id: CallCampaignId(seeder.ids.next()),
        fields: CampaignFields {
            name: "Membership drive".into(),
            currency: closer_domain::money::Currency::parse("CNY").map_err(AppError::Conflict)?,
            status: CampaignStatus::Active,
            dialing_mode: DialingMode::Preview,
            rules: DialRules::default(),
            script: Script {
                opener: "Hello, this is Closer Fitness. You tried our gym last month; may I ask how it went?".into(),
                questions: vec![
                    "How often do you train at the moment?".into(),
                    "What keeps you from training as much as you would like?".into(),
                    "What would it change for you to train twice a week?".into(),
                    "If the first month cost half, would you start this week?".into(),
                ],
                objections: vec![
                    ObjectionHandler {
                        objection: "It is too expensive".into(),
                        answer: "This week the first month is half price, and you may stop at any time.".into(),
                    },
                    ObjectionHandler {
                        objection: "I have no time".into(),
                        answer: "We open at six and close at eleven; thirty minutes is enough.".into(),
                    },
                ],
                close: "Shall I book your first session with a coach at our club?".into(),
            },
            script_version: 1,
            takes_inbound_leads: true,
        },
        ownership: Ownership {
            owner_id: owner,
            team_id: None,
        },
        meta: RecordMeta::created(now - Duration::days(3)),
    };
    call_campaigns::insert_campaign(tx.conn(), seeder.workspace, &campaign).await?;
    for (i, person) in consumers.iter().take(CALLED).enumerate() {
        let Some(phone) = person.fields.phones.first().cloned() else {
            continue;
        };
        let chinese = phone.as_str().starts_with("+86");
        let entry = CallEntry {
            id: CallEntryId(seeder.ids.next()),
            fields: CallEntryFields::fresh(
                campaign.id,
                person.id,
                phone.clone(),
                person.fields.timezone.clone(),
                if i % 7 == 0 { 5 } else { 0 },
                now - Duration::days(2),
            ),
            meta: RecordMeta::created(now - Duration::days(2)),
        };
        call_campaigns::insert_entry(tx.conn(), seeder.workspace, &entry).await?;
        // Most Chinese customers opted in on the web form; one in ten withdrew since.
        if chinese && i % 5 != 4 {
            let consent = ConsentFields {
                person_id: person.id,
                channel: ConsentChannel::Phone,
                granted: i % 10 != 3,
                purpose: "marketing".into(),
                evidence: if i % 10 == 3 {
                    "Said so on a call"
                } else {
                    "Web sign-up form"
                }
                .into(),
                at: now - Duration::days(if i % 10 == 3 { 1 } else { 30 }),
                recorded_by: owner,
            };
            let record = closer_domain::telemarketing::Consent {
                id: ConsentId(seeder.ids.next()),
                fields: consent,
                meta: RecordMeta::created(now - Duration::days(30)),
            };
            call_registers::insert_consent(tx.conn(), seeder.workspace, &record).await?;
        }
        if !chinese && i % 9 == 1 {
            let listed = DncEntry {
                id: DncEntryId(seeder.ids.next()),
                fields: DncEntryFields {
                    phone,
                    scope: DncScope::EntitySpecific,
                    source: DncSource::CustomerRequest,
                    note: Some("Asked not to be called again".into()),
                    expires_at: None,
                    recorded_by: owner,
                },
                meta: RecordMeta::created(now - Duration::days(5)),
            };
            call_registers::insert_dnc(tx.conn(), seeder.workspace, &listed).await?;
        }
    }
    Ok(())
}
