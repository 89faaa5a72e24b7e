//! Reports, their status and follow-up questions; the audit log.

use chrono::Duration;
use synkro_core::model::{ReportKind, ReportStatus, RunId};
use synkro_core::store::{NewReport, Store};

use super::fixtures::{assert_not_found, audit, new_report, new_run, report_message, t0, tenant};

/// Reports need their run, list newest first, change status; follow-ups come back in order.
pub async fn reports_and_follow_ups_round_trip(store: &dyn Store) {
    let t = tenant(store, "reports").await;
    let run = store.create_run(&new_run(t.id, "rep"), t0()).await.unwrap();
    let new = NewReport {
        followup_deadline_at: Some(t0() + Duration::hours(1)),
        ..new_report(t.id, run.run().id, "# Отчёт\nВсё хорошо")
    };
    let r1 = store.save_report(&new, t0()).await.unwrap();
    assert_eq!(r1.status, ReportStatus::Ready);
    assert_eq!(r1.document, new.document);
    assert_eq!(r1.window, new.document.window);
    assert_eq!(r1.period_start, new.document.period_start);
    let r2 = store
        .save_report(
            &NewReport {
                kind: ReportKind::Forced,
                ..new.clone()
            },
            t0() + Duration::seconds(5),
        )
        .await
        .unwrap();
    assert_eq!(store.report(t.id, r1.id).await.unwrap(), Some(r1.clone()));
    let ids: Vec<_> = store
        .reports(t.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, vec![r2.id, r1.id]);
    store
        .set_report_status(t.id, r1.id, ReportStatus::Sent)
        .await
        .unwrap();
    assert_eq!(
        store.report(t.id, r1.id).await.unwrap().map(|r| r.status),
        Some(ReportStatus::Sent)
    );
    for (i, q) in ["Почему мало сделок?", "Кто лучший менеджер?"]
        .iter()
        .enumerate()
    {
        let at = t0() + Duration::minutes(i64::try_from(i).unwrap_or(0));
        let msg = report_message(t.id, r1.id, q, &format!("Ответ {i}"), at);
        store.add_report_message(&msg).await.unwrap();
    }
    let msgs = store.report_messages(t.id, r1.id).await.unwrap();
    assert_eq!(
        msgs.iter().map(|m| m.answer.as_str()).collect::<Vec<_>>(),
        ["Ответ 0", "Ответ 1"]
    );
    let missing_run = store
        .save_report(
            &NewReport {
                run: RunId(987_654),
                ..new
            },
            t0(),
        )
        .await;
    assert_not_found(&missing_run);
}

/// The audit log is per tenant, newest first, limited.
pub async fn audit_log_is_per_tenant_newest_first(store: &dyn Store) {
    let a = tenant(store, "audit-a").await;
    let b = tenant(store, "audit-b").await;
    for (i, action) in ["run.queued", "run.started", "run.succeeded"]
        .iter()
        .enumerate()
    {
        let at = t0() + Duration::seconds(i64::try_from(i).unwrap_or(0));
        store.append_audit(&audit(a.id, action, at)).await.unwrap();
    }
    store
        .append_audit(&audit(b.id, "config.updated", t0()))
        .await
        .unwrap();
    let got = store.audit_log(a.id, 2).await.unwrap();
    assert_eq!(
        got.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["run.succeeded", "run.started"]
    );
    assert_eq!(
        got[1],
        audit(a.id, "run.started", t0() + Duration::seconds(1))
    );
    assert_eq!(store.audit_log(b.id, 10).await.unwrap().len(), 1);
}
