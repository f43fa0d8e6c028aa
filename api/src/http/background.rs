//! Work every replica does on a timer. Each job is safe to run on several replicas at once.

use std::time::Duration;

use crate::startup::AppState;

pub fn spawn(state: AppState) {
    let folds = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(
            folds.settings.fold_interval_ms.max(50),
        ));
        loop {
            tick.tick().await;
            if let Err(e) = crate::domain::ballot::tally::fold_due(&folds.db).await {
                tracing::warn!(
                    code = e.code(),
                    "folding votes into tallies failed; will retry"
                );
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(
            state.settings.job_interval_ms.max(50),
        ));
        loop {
            tick.tick().await;
            if let Err(e) = crate::domain::ballot::service::close_due(&state).await {
                tracing::warn!(code = e.code(), "closing due ballots failed; will retry");
            }
            if let Err(e) = crate::domain::ballot::service::send_reminders(&state).await {
                tracing::warn!(code = e.code(), "ballot reminders failed; will retry");
            }
            if let Err(e) = crate::domain::mediation::jobs::remind_sessions(&state).await {
                tracing::warn!(code = e.code(), "session reminders failed; will retry");
            }
            if let Err(e) = crate::domain::mediation::jobs::follow_ups_due(&state).await {
                tracing::warn!(code = e.code(), "follow-up reminders failed; will retry");
            }
            if let Err(e) = crate::domain::events::jobs::remind(&state).await {
                tracing::warn!(code = e.code(), "event reminders failed; will retry");
            }
            if let Err(e) = crate::domain::events::jobs::close_ended(&state).await {
                tracing::warn!(code = e.code(), "closing ended events failed; will retry");
            }
            if let Err(e) = crate::domain::notify::deliver_outbox(&state.db).await {
                tracing::warn!(code = e.code(), "outbox delivery failed; will retry");
            }
        }
    });
}
