//! Whose host a target is: our own simulator or a vendor's. It decides how far our assumptions
//! are held against the answers, and how careful a run must be with campaigns.

use crate::target::Target;
use std::fmt;

/// What kind of host a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// campaign-sim, ours: undocumented bodies are held to our own schemas, and its campaigns
    /// dial no one.
    Simulator,
    /// A vendor host (a sandbox or a real one): only the campaigns named in its configuration
    /// are touched, and our guesses where the docs are silent are not held against it.
    Sandbox,
}

impl HostKind {
    /// `simulator` or `sandbox`.
    pub fn label(self) -> &'static str {
        match self {
            HostKind::Simulator => "simulator",
            HostKind::Sandbox => "sandbox",
        }
    }
}

/// One vendor's target and what kind of host it is: the unit the contract suite and the load
/// runner are pointed at.
#[derive(Debug, Clone)]
pub struct VendorTarget {
    /// Where and as whom.
    pub target: Target,
    /// Simulator or sandbox.
    pub kind: HostKind,
}

impl fmt::Display for VendorTarget {
    /// `kore: sandbox at kore.example:443`: the line a run prints for each vendor first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at {}",
            self.target.vendor,
            self.kind.label(),
            self.target.host_label()
        )
    }
}
