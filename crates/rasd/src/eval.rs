//! `rasd eval`: placeholder, replaced by the tagging work.
use std::path::Path;

pub fn run(_gold: &Path, _json: bool) -> anyhow::Result<()> {
    anyhow::bail!("rasd eval is not implemented yet")
}
