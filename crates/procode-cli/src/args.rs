//! Arguments that name one of the core's vocabularies (`--system`,
//! `--format`): parsed by the core's `FromStr` (its aliases and its error
//! message), with the canonical names listed in `--help`.

use std::ffi::OsStr;
use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use procode::claim::ClaimFormat;
use procode::CodeSystem;

/// A clap value parser for a core enum: `FromStr` parses, `names` are shown.
#[derive(Clone)]
pub struct CoreNames<T> {
    names: Vec<&'static str>,
    _value: PhantomData<fn() -> T>,
}

impl<T> CoreNames<T> {
    fn new(names: impl IntoIterator<Item = &'static str>) -> CoreNames<T> {
        CoreNames {
            names: names.into_iter().collect(),
            _value: PhantomData,
        }
    }
}

/// `--system`: the code systems.
pub fn systems() -> CoreNames<CodeSystem> {
    CoreNames::new(CodeSystem::ALL.map(CodeSystem::as_str))
}

/// `--format`: the claim formats.
pub fn formats() -> CoreNames<ClaimFormat> {
    CoreNames::new(ClaimFormat::ALL.map(ClaimFormat::as_str))
}

impl<T> TypedValueParser for CoreNames<T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: Display,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        text.parse::<T>().map_err(|e| {
            let arg = arg.map_or_else(|| "the argument".to_owned(), |a| format!("'{a}'"));
            clap::Error::raw(
                ErrorKind::InvalidValue,
                format!("invalid value '{text}' for {arg}: {e}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names.iter().copied().map(PossibleValue::new)))
    }
}
