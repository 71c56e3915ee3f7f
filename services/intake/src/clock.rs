//! The pipeline's clock: the timers the stage projection keeps in the store (see
//! [`crate::store`]'s `timers`), fired by the platform's clock worker
//! ([`rrm_platform::clock`]). A timer that comes due and finds its stage still running marks it
//! overdue, puts that on the alert's timeline, e-mails the coordinators
//! (`intake.overdue_mail_to`) and publishes `alert.stage_overdue` — all in the firing
//! transaction, so none of it happens twice or only in part.

use crate::domain::stages::Overdue;
use crate::domain::{Alert, Pipeline};
use crate::{SERVICE, store};
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Store, Tx, TxResult, abort};
use rrm_contracts::{EmailAddress, Envelope, Event, LanguageCode, StageOverdue};
use rrm_platform::Pages;
use rrm_platform::clock::{Now, Timers};
use rrm_platform::mail::{self, MailWaker, NewMail};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The pipeline's clock.
#[derive(Clone)]
pub struct Clock {
    pub store: Store,
    pub now: Now,
    /// The longest it sleeps between two looks at the timers.
    pub tick: Duration,
    /// Who is e-mailed about an overdue stage.
    pub recipients: Arc<Vec<(String, EmailAddress)>>,
    pub mail_domain: String,
    /// Intake's public URL: the console link in the e-mails.
    pub public_url: String,
    pub pages: Arc<Pages>,
    pub mail: MailWaker,
}

/// The overdue e-mail's templates.
pub fn mail_pages() -> anyhow::Result<Pages> {
    Pages::new("alert intake")?
        .text("overdue_subject", "Overdue: {{stage}} of “{{alert.title}}”")?
        .text("overdue_text", include_str!("templates/overdue_mail.txt"))?
        .html("overdue_html", include_str!("templates/overdue_mail.html"))
}

impl Timers for Clock {
    type Timer = store::Timer;
    type Prepared = ();
    const BATCH: usize = 64;
    const NAME: &'static str = "pipeline";

    fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    fn tick(&self) -> Duration {
        self.tick
    }

    fn next(store: &Store, limit: usize) -> Result<Vec<store::Timer>, rrm_bus::StoreError> {
        store::next_timers(store, limit)
    }

    fn due_at(timer: &store::Timer) -> DateTime<Utc> {
        timer.due
    }

    fn prepare(&self, _: &[store::Timer], _: DateTime<Utc>) -> Result<(), rrm_bus::StoreError> {
        Ok(())
    }

    fn fire(
        &self,
        tx: &Tx<'_>,
        timer: &store::Timer,
        (): &(),
        now: DateTime<Utc>,
    ) -> TxResult<bool, HandleError> {
        self.overdue(tx, timer, now)
    }

    /// Overdue stages queued e-mails.
    fn fired(&self, announced: usize) {
        if announced > 0 {
            self.mail.wake();
        }
    }
}

impl Clock {
    /// One timer come due: marks its stage overdue if it still runs. Returns whether it did.
    fn overdue(
        &self,
        tx: &Tx<'_>,
        timer: &store::Timer,
        now: DateTime<Utc>,
    ) -> TxResult<bool, HandleError> {
        store::remove_timer(tx, timer)?;
        let Some(before) = store::pipeline_in(tx, timer.alert_id)? else {
            return Ok(false);
        };
        let mut pipeline = before.clone();
        let Some(overdue) = pipeline.mark_overdue(timer.stage, now) else {
            return Ok(false);
        };
        store::put_pipeline(tx, Some(&before), &pipeline)?;
        let Some(alert) = store::alert_in(tx, timer.alert_id)? else {
            return Ok(true);
        };
        let event = Event::StageOverdue(StageOverdue {
            alert_id: alert.alert_id,
            stage: overdue.stage,
            started_at: overdue.started_at,
            due_at: overdue.due_at,
            deadline: pipeline.deadline,
        });
        let envelope = Envelope::new(&event, SERVICE, Some(alert.alert_id), None);
        // On the timeline now, not only once the event comes back from the broker (which writes
        // the same line again).
        crate::handlers::timeline::record(tx, &envelope, &event)?;
        tx.emit(&envelope)?;
        self.mail_coordinators(tx, &alert, &pipeline, &overdue, now)?;
        tracing::warn!(correlation_id = %alert.alert_id, stage = %overdue.stage, "stage overdue");
        Ok(true)
    }

    fn mail_coordinators(
        &self,
        tx: &Tx<'_>,
        alert: &Alert,
        pipeline: &Pipeline,
        overdue: &Overdue,
        now: DateTime<Utc>,
    ) -> TxResult<(), HandleError> {
        let stages = pipeline.view(now);
        let stage = &stages[overdue.stage.index()];
        let data = json!({
            "alert": alert,
            "stage": overdue.stage,
            "started_at": overdue.started_at,
            "due_at": overdue.due_at,
            "deadline": pipeline.deadline,
            "progress": stage.progress,
            "actors": stage.actors,
            "link": format!("{}/console/alerts/{}", self.public_url, alert.alert_id),
        });
        let render = |r: anyhow::Result<String>| {
            r.map_err(|e| abort(HandleError::Permanent(format!("{e:#}"))))
        };
        for (name, address) in self.recipients.iter() {
            let mail = NewMail {
                key: format!("overdue:{}:{}:{address}", alert.alert_id, overdue.stage),
                to_name: name.clone(),
                to: address.clone(),
                subject: render(self.pages.render_text("overdue_subject", &data))?,
                text: render(self.pages.render_text("overdue_text", &data))?,
                html: Some(render(self.pages.render_html("overdue_html", &data))?),
                language: LanguageCode::parse("en").ok(),
                correlation_id: Some(alert.alert_id),
                tag: serde_json::Value::Null,
            };
            mail::enqueue(tx, mail, &self.mail_domain)?;
        }
        Ok(())
    }
}
