//! `campaign-load merge`: the fleet's verdict from its workers' summaries.

use crate::exit::Exit;
use crate::report::{
    JUNIT_EXTENSION, REPORT_EXTENSIONS, REPORT_FORMATS, ReportFile, ReportFormat, verdict,
};
use std::path::{Path, PathBuf};

pub(super) fn main(
    inputs: &[PathBuf],
    outputs: &[PathBuf],
    fleet_rules: &[String],
    junit: Option<&Path>,
    partial: bool,
) -> Exit {
    let mut files = Vec::new();
    for o in outputs {
        match ReportFile::by_name("--report-file", o, &REPORT_FORMATS, REPORT_EXTENSIONS) {
            Ok(f) => files.push(f),
            Err(e) => return super::could_not_start(e),
        }
    }
    if let Some(j) = junit {
        match ReportFile::by_name("--junit", j, &[ReportFormat::Junit], JUNIT_EXTENSION) {
            Ok(f) => files.push(f),
            Err(e) => return super::could_not_start(e),
        }
    }
    let merged = match crate::merge::merge(inputs, fleet_rules, partial) {
        Ok(m) => m,
        Err(e) => return super::could_not_start(e),
    };
    for f in &files {
        if let Err(e) = f.write(&merged.summary, &[]) {
            return super::could_not_start(e);
        }
    }
    println!("merged {} summaries:", inputs.len());
    print!("{}", verdict(&merged.summary));
    if merged.passed {
        Exit::Pass
    } else {
        Exit::ThresholdFailed
    }
}
