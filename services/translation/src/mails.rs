//! What translators and coordinators are e-mailed, queued in the step's transaction (the
//! platform's mail worker sends them; a mail's key makes queueing it twice a no-op): a job
//! offered, a job taken back (withdrawn, corrected, or taken by a coordinator), a correction of
//! a text they translated with what changed, and — to the coordinators — a language that
//! cannot be delivered. Templates are in `src/templates/mail/`; every link is personal and
//! built from the public URL.

use crate::domain::{Job, Texts, Translator};
use crate::store::{Oped, job_key};
use crate::{OFFER, Translation};
use rrm_bus::{HandleError, Tx, TxResult, abort};
use rrm_contracts::EmailAddress;
use rrm_platform::diff;
use rrm_platform::mail::{self, NewMail};
use serde_json::{Value, json};
use uuid::Uuid;

fn permanent(e: anyhow::Error) -> rrm_bus::TxError<HandleError> {
    abort(HandleError::Permanent(format!("{e:#}")))
}

impl Translation {
    /// `translator`'s personal link to the job's offer page, for this round of the job.
    pub fn offer_link(&self, job: &Job, translator: Uuid) -> String {
        let token = self.links.sign(
            OFFER,
            &translator.to_string(),
            &job_key(job.oped_id, &job.language),
            Some(&job.round.to_string()),
        );
        format!("{}/offers/{token}", self.public_url)
    }

    /// The console page of an op-ed's translations.
    pub fn console_link(&self, oped: &Oped) -> String {
        format!("{}/console/opeds/{}", self.public_url, oped.oped_id)
    }

    #[allow(clippy::too_many_arguments)]
    fn queue(
        &self,
        tx: &Tx<'_>,
        oped: &Oped,
        key: String,
        to: (&str, &EmailAddress),
        template: &str,
        data: &Value,
    ) -> TxResult<(), HandleError> {
        let mail = NewMail {
            key,
            to_name: to.0.to_owned(),
            to: to.1.clone(),
            subject: self
                .pages
                .render_text(&format!("{template}_subject"), data)
                .map_err(permanent)?,
            text: self
                .pages
                .render_text(&format!("{template}_text"), data)
                .map_err(permanent)?,
            html: None,
            language: None,
            correlation_id: Some(oped.alert_id),
            tag: Value::Null,
        };
        mail::enqueue(tx, mail, &self.mail_domain)?;
        self.waker.wake();
        Ok(())
    }

    fn job_data(&self, oped: &Oped, job: &Job) -> Value {
        json!({
            "title": oped.texts.title,
            "from": job.source_language.as_str(),
            "to": job.language.as_str(),
            "policy": job.policy.as_str(),
            "review": job.policy == crate::domain::Policy::MachineReview && job.machine.is_some(),
            "deadline": job.deadline.format("%a %-d %b, %H:%M UTC").to_string(),
        })
    }

    /// The job is offered to `translator`.
    pub(crate) fn mail_offer(
        &self,
        tx: &Tx<'_>,
        oped: &Oped,
        job: &Job,
        translator: &Translator,
    ) -> TxResult<(), HandleError> {
        let mut data = self.job_data(oped, job);
        data["name"] = translator.name.clone().into();
        data["link"] = self.offer_link(job, translator.id).into();
        data["expires"] = match &job.stage {
            crate::domain::Stage::Offered { expires_at, .. } => {
                expires_at.format("%a %-d %b, %H:%M UTC").to_string().into()
            }
            _ => Value::Null,
        };
        data["correction"] = (job.round > 0).into();
        let key = format!(
            "offer:{}:{}:{}:{}",
            job_key(job.oped_id, &job.language),
            job.round,
            translator.id,
            job.offered_to.len()
        );
        self.queue(
            tx,
            oped,
            key,
            (&translator.name, &translator.email),
            "offer",
            &data,
        )
    }

    /// The job `translator` held was taken back from them, and why.
    pub(crate) fn mail_taken_back(
        &self,
        tx: &Tx<'_>,
        oped: &Oped,
        job: &Job,
        translator: Uuid,
        why: &str,
    ) -> TxResult<(), HandleError> {
        let Some(t) = crate::store::translator_tx(tx, translator)? else {
            return Ok(());
        };
        let mut data = self.job_data(oped, job);
        data["name"] = t.name.clone().into();
        data["why"] = why.into();
        let key = format!(
            "taken:{}:{}:{}:{}",
            job_key(job.oped_id, &job.language),
            job.round,
            translator,
            job.offered_to.len()
        );
        self.queue(tx, oped, key, (&t.name, &t.email), "taken", &data)
    }

    /// The op-ed `translator` translated was corrected: what changed in the source.
    pub(crate) fn mail_corrected(
        &self,
        tx: &Tx<'_>,
        oped: &Oped,
        job: &Job,
        previous: &Texts,
        translator: &Translator,
    ) -> TxResult<(), HandleError> {
        fn fields(t: &Texts) -> diff::Fields<'_> {
            diff::Fields {
                title: &t.title,
                standfirst: &t.standfirst,
                body: &t.body,
            }
        }
        let mut data = self.job_data(oped, job);
        data["name"] = translator.name.clone().into();
        data["changes"] =
            serde_json::to_value(diff::fields(&fields(previous), &fields(&oped.texts)))
                .unwrap_or_default();
        let key = format!(
            "corrected:{}:{}:{}",
            job_key(job.oped_id, &job.language),
            job.round,
            translator.id
        );
        self.queue(
            tx,
            oped,
            key,
            (&translator.name, &translator.email),
            "corrected",
            &data,
        )
    }

    /// A language cannot be delivered: each coordinator is told why, with the console's link.
    pub(crate) fn mail_failure(
        &self,
        tx: &Tx<'_>,
        oped: &Oped,
        job: &Job,
    ) -> TxResult<(), HandleError> {
        let Some(failure) = &job.failure else {
            return Ok(());
        };
        let mut data = self.job_data(oped, job);
        data["reason"] = failure.reason.clone().into();
        data["attempts"] = job.attempts.into();
        data["provider"] = job.provider.clone().into();
        data["link"] = self.console_link(oped).into();
        for (i, (name, address)) in self.coordinators.iter().enumerate() {
            data["name"] = name.clone().into();
            let key = format!(
                "failed:{}:{}:{}:{i}",
                job_key(job.oped_id, &job.language),
                job.round,
                failure.at.timestamp_millis()
            );
            self.queue(tx, oped, key, (name, address), "failed", &data)?;
        }
        Ok(())
    }
}
