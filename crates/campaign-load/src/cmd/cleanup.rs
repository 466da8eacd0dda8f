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
    match crate::cleanup::cleanup(&target, &a.trust(), &schemas).await {
        Err(e) => super::could_not_start(e),
        Ok(lines) if lines.is_empty() => {
            println!(
                "campaign-load cleanup: the journal for {} shows nothing left started",
                target.target.host_label()
            );
            Exit::Pass
        }
        Ok(lines) => {
            let mut all_halted = true;
            println!(
                "campaign-load cleanup: {} campaign(s) left started at {}:",
                lines.len(),
                target.target.host_label()
            );
            for s in &lines {
                println!("  {}", s.line);
                all_halted &= s.halted;
            }
            if all_halted {
                Exit::Pass
            } else {
                Exit::ThresholdFailed
            }
        }
    }
}
