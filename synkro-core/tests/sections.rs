//! Report sections: the seam through which analytics enter a report.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::env;
use synkro_core::error::BoxError;
use synkro_core::model::RunState;
use synkro_core::pipeline::Engine;
use synkro_core::report::{Section, SectionBuilder, SectionInput, to_json, to_markdown};

/// Messages per channel.
#[derive(Debug)]
struct ByChannel;

impl SectionBuilder for ByChannel {
    fn id(&self) -> &str {
        "volumes.by_channel"
    }

    fn build(&self, input: &SectionInput<'_>) -> Result<Section, BoxError> {
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for m in input.dialogs.iter().flat_map(|d| d.messages.iter()) {
            *counts.entry(m.channel.as_str()).or_default() += 1;
        }
        let markdown = counts
            .iter()
            .map(|(c, n)| format!("- {c}: {n}\n"))
            .collect();
        Ok(Section {
            id: self.id().into(),
            title: "Messages by channel".into(),
            data: serde_json::to_value(&counts)?,
            markdown,
        })
    }
}

#[derive(Debug)]
struct Broken;

impl SectionBuilder for Broken {
    fn id(&self) -> &str {
        "broken"
    }

    fn build(&self, _: &SectionInput<'_>) -> Result<Section, BoxError> {
        Err("division by zero in the broken section".into())
    }
}

#[tokio::test]
async fn a_section_builder_adds_its_numbers_to_every_rendering() {
    let e = env("radist_only").await;
    let engine = Engine::builder(e.store.clone())
        .clock(e.clock.clone())
        .section(Arc::new(ByChannel))
        .build();
    let res = engine
        .run(&e.daily(), &e.adapters(), Default::default())
        .await
        .unwrap();
    assert_eq!(res.run.state, RunState::Succeeded);
    let doc = res.report.unwrap().document;
    let section = &doc.sections[0];
    assert_eq!(section.id, "volumes.by_channel");
    let total: u64 = section
        .data
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, doc.summary.messages);
    let md = to_markdown(&doc);
    assert!(md.contains("## Messages by channel"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&to_json(&doc).unwrap()).unwrap();
    assert_eq!(json["sections"][0]["data"], section.data);
    assert_eq!(json["schema_version"], 1);
    let back: synkro_core::report::ReportDocument = serde_json::from_value(json).unwrap();
    assert_eq!(back, doc, "the JSON form round-trips");
}

#[tokio::test]
async fn a_failing_section_fails_the_run_and_names_the_section() {
    let e = env("radist_only").await;
    let engine = Engine::builder(e.store.clone())
        .clock(e.clock.clone())
        .section(Arc::new(Broken))
        .build();
    let res = engine
        .run(&e.daily(), &e.adapters(), Default::default())
        .await
        .unwrap();
    assert_eq!(res.run.state, RunState::Failed);
    let msg = res.run.error.unwrap();
    assert!(
        msg.contains("step `report.section.broken` failed: division by zero"),
        "{msg}"
    );
}
