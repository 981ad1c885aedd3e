//! `scripts/graph`: the component graph for scripts and people. Every list a script needs comes
//! from here, so that glue/graph.toml and profiles/ stay the only place anything is listed.

use stardust_profile::{Graph, load_profiles, out_of_date, package_name, resolve, sync};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
Usage: scripts/graph COMMAND

Reads glue/graph.toml (the slots, their implementations, every crate) and profiles/*.toml.

Commands:
  sync                 rewrite the generated blocks of Cargo.toml and README.md from the table
  check                exit 1 (naming the files) if those blocks are out of date
  profiles             every profile's name, one per line
  profile NAME KEY     one value of a profile: budget, description, or slot.SLOT (its default)
  slots                every slot's name
  resolve PROFILE FEATURES SLOT
                       the implementation an image of PROFILE with the comma-separated cargo
                       FEATURES (`-` for none) puts in SLOT, resolved as the build resolves it
  choices SLOT         every implementation of SLOT, one per line
  size-rows            the images scripts/size measures: `PROFILE FEATURE BUDGET` per line
                       (FEATURE `-` for the profile's defaults; then each other implementation
                       of every swappable slot that the profile has)
  host-packages        the packages whose logic is tested on the host (cargo test -p ...)
  help                 this text

Exit status: 0 done, 1 out of date (check) or the table or a profile is invalid, 2 usage.";

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = arguments.iter().map(String::as_str).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match run(&root, &words) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("scripts/graph: {message}");
            ExitCode::from(code)
        }
    }
}

type Failure = (u8, String);

fn invalid(message: impl ToString) -> Failure {
    (1, message.to_string())
}

fn usage(message: &str) -> Failure {
    (2, format!("{message} (scripts/graph help lists the commands)"))
}

fn run(root: &Path, words: &[&str]) -> Result<Vec<String>, Failure> {
    let graph = || Graph::load(root).map_err(invalid);
    match words {
        ["help" | "-h" | "--help"] => Ok(USAGE.lines().map(str::to_string).collect()),
        ["sync"] => {
            let written = sync(root).map_err(invalid)?;
            Ok(written.into_iter().map(|file| format!("wrote {file}")).collect())
        }
        ["check"] => {
            let stale = out_of_date(root).map_err(invalid)?;
            if stale.is_empty() {
                Ok(Vec::new())
            } else {
                Err(invalid(format!(
                    "{} out of date with glue/graph.toml: run scripts/graph sync",
                    stale.join(" and ")
                )))
            }
        }
        ["profiles"] => {
            let graph = graph()?;
            Ok(load_profiles(root, &graph).map_err(invalid)?.into_iter().map(|(name, _)| name).collect())
        }
        ["profile", name, key] => {
            let graph = graph()?;
            let profiles = load_profiles(root, &graph).map_err(invalid)?;
            let names: Vec<&str> = profiles.iter().map(|(name, _)| name.as_str()).collect();
            let (_, profile) = profiles
                .iter()
                .find(|(profile, _)| profile == name)
                .ok_or_else(|| invalid(format!("no profile '{name}'; profiles: {}", names.join(" "))))?;
            let value = match *key {
                "budget" => profile.size_budget.to_string(),
                "description" => profile.description.clone(),
                _ => match key.strip_prefix("slot.").and_then(|slot| profile.slot_default(slot)) {
                    Some(choice) => choice.to_string(),
                    None => return Err(usage(&format!("no key '{key}': budget, description or slot.SLOT"))),
                },
            };
            Ok(vec![value])
        }
        ["slots"] => Ok(graph()?.slots.into_iter().map(|slot| slot.name).collect()),
        ["resolve", profile, features, slot] => {
            let graph = graph()?;
            let mut chosen = vec![format!("profile-{profile}")];
            chosen.extend(
                features.split(',').filter(|feature| !feature.is_empty() && *feature != "-").map(str::to_string),
            );
            let resolution = resolve(&graph, &chosen, &[], |name| {
                std::fs::read_to_string(root.join("profiles").join(format!("{name}.toml"))).ok()
            })
            .map_err(invalid)?;
            let choice = resolution.choice(slot).ok_or_else(|| usage(&format!("no slot '{slot}'")))?;
            Ok(vec![choice.name.clone()])
        }
        ["choices", slot] => {
            let graph = graph()?;
            let slot = graph.slot(slot).ok_or_else(|| usage(&format!("no slot '{slot}'")))?;
            Ok(slot.choice_names().into_iter().map(str::to_string).collect())
        }
        ["size-rows"] => {
            let graph = graph()?;
            let mut rows = Vec::new();
            for (name, profile) in load_profiles(root, &graph).map_err(invalid)? {
                rows.push(format!("{name} - {}", profile.size_budget));
                for slot in graph.slots.iter().filter(|slot| slot.swap) {
                    let default = profile.slot_default(&slot.name).unwrap_or("none");
                    if default == "none" {
                        continue;
                    }
                    for choice in &slot.choices {
                        let needs_met =
                            choice.needs.iter().all(|needed| profile.slot_default(needed).is_some_and(|c| c != "none"));
                        if choice.name != default && !choice.is_none() && needs_met {
                            rows.push(format!("{name} {} {}", slot.feature_for(&choice.name), profile.size_budget));
                        }
                    }
                }
            }
            Ok(rows)
        }
        ["host-packages"] => {
            let graph = graph()?;
            graph.host_crate_paths().into_iter().map(|path| package_name(root, path).map_err(invalid)).collect()
        }
        [] => Err(usage("no command")),
        [command, ..] => Err(usage(&format!("unknown command or arguments: '{command}'"))),
    }
}
