//! `campaign-load cleanup`: stops what the journal of the run's host shows left started.

use crate::cli::RunArgs;
use crate::exit::Exit;
use crate::scenario::Scenario;
use campaign_api::SchemaSource;

pub(super) async fn main(a: &RunArgs) -> Exit {
    let Some(path) = &a.scenario else {
        return super::could_not_start(
            "give the scenario of the run to clean up after: campaign-load cleanup -s FILE",
        );
    };
    let scenario = match Scenario::load(path) {
        Ok(s) => s,
        Err(e) => return super::could_not_start(e),
    };
    let schemas = match SchemaSource::from_flag_and_env(a.schemas.as_deref(), "--schemas") {
        Ok(s) => s,
        Err(e) => return super::could_not_start(e),
    };
    let host = match crate::host::choose(&scenario, a.host.as_deref(), &schemas).await {
        Ok(h) => h,
        Err(e) => return super::could_not_start(e),
    };
    if let Some(sim) = host.sim {
        sim.stop().await;
        return super::could_not_start(crate::error::LoadError::NothingToClean);
    }
    let target = host.target;
    let cleanup = match crate::cleanup::Cleanup::prepare(&target, &a.trust(), &schemas) {
        Ok(c) => c,
        Err(e) => return super::could_not_start(e),
    };
    let plan = cleanup.plan();
    if plan.is_empty() {
        println!(
            "campaign-load cleanup: the journal for {} shows nothing left started",
            target.target.host_label()
        );
        return Exit::Pass;
    }
    for line in &plan {
        println!("{line}");
    }
    let stopped = cleanup.stop().await;
    if stopped.is_empty() {
        return Exit::Pass;
    }
    println!(
        "campaign-load cleanup: {} campaign(s) left started at {}:",
        stopped.len(),
        target.target.host_label()
    );
    let mut all_halted = true;
    for s in &stopped {
        println!("  {}", s.line);
        all_halted &= s.halted;
    }
    if all_halted {
        Exit::Pass
    } else {
        Exit::ThresholdFailed
    }
}
