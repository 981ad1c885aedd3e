//! The app's arguments, from the kernel command line after `--`, and the working directory.

use alloc_crate::string::{String, ToString};

static COMMAND_LINE: spin::Once<(&'static str, &'static str)> = spin::Once::new();

pub(crate) fn init(app: &'static str, cmdline: &'static str) {
    COMMAND_LINE.call_once(|| (app, cmdline));
}

/// The arguments: the app's name first, then every word after `--` on the kernel command line,
/// unquoted (`scripts/run` quotes an argument with spaces, quotes or nothing in it).
pub fn args() -> Args {
    let (app, cmdline) = COMMAND_LINE.get().copied().unwrap_or(("app", ""));
    Args { name: Some(app), rest: stardust_bootargs::app_arguments(cmdline) }
}

/// Iterator over the app's arguments, as `String`s (like `std::env::Args`).
pub struct Args {
    name: Option<&'static str>,
    rest: stardust_bootargs::AppArguments<'static>,
}

impl Iterator for Args {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        match self.name.take() {
            Some(name) => Some(name.to_string()),
            None => self.rest.next().map(|word| {
                let mut bytes = word.raw().as_bytes().to_vec();
                let length = stardust_bootargs::unquote(&mut bytes);
                bytes.truncate(length);
                // Only ASCII quotes and backslashes went: still the UTF-8 the command line was.
                String::from_utf8(bytes).unwrap_or_default()
            }),
        }
    }
}

/// The environment: each `stardust.env=KEY=VALUE` kernel option, in command-line order
/// (`scripts/run --env KEY=VALUE`), as `(KEY, VALUE)` pairs like `std::env::vars`.
pub fn vars() -> impl Iterator<Item = (String, String)> {
    let (_, cmdline) = COMMAND_LINE.get().copied().unwrap_or(("app", ""));
    stardust_bootargs::kernel_options(cmdline).filter_map(|option| match option {
        stardust_bootargs::KernelOption::Env(variable) => {
            let mut bytes = variable.as_bytes().to_vec();
            let length = stardust_bootargs::unquote(&mut bytes);
            bytes.truncate(length);
            let text = String::from_utf8(bytes).ok()?;
            let (key, value) = text.split_once('=')?;
            Some((key.to_string(), value.to_string()))
        }
        _ => None,
    })
}

/// The working directory (relative paths in `fs` start there); `/` at boot.
pub fn current_dir() -> crate::io::Result<String> {
    Ok(crate::fs::current_dir())
}

/// Changes the working directory.
pub fn set_current_dir(path: impl AsRef<str>) -> crate::io::Result<()> {
    crate::fs::set_current_dir(path.as_ref())
}
