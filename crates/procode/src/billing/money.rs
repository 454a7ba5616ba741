//! Money: exact decimal amounts in an ISO 4217 currency.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize};

/// The largest amount (and rate per unit) procode accepts: one trillion.
///
/// Keeping every amount below this bound makes every product and sum the
/// library computes exact and free of overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// An ISO 4217 currency procode can bill in.
///
/// Serialised as its upper-case ISO code (`"USD"`); parsing is case-insensitive
/// and an unknown code is a [`MoneyError::UnknownCurrency`].
///
/// # Example
/// ```
/// use procode::billing::Currency;
/// let c: Currency = "jpy".parse().unwrap();
/// assert_eq!(c.minor_units(), 0);
/// assert_eq!(Currency::Usd.minor_units(), 2);
/// assert!("XYZ".parse::<Currency>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Currency {
    /// US dollar (2 minor units).
    Usd,
    /// Euro (2 minor units).
    Eur,
    /// Pound sterling (2 minor units).
    Gbp,
    /// Canadian dollar (2 minor units).
    Cad,
    /// Australian dollar (2 minor units).
    Aud,
    /// Japanese yen (no minor unit).
    Jpy,
    /// Swiss franc (2 minor units).
    Chf,
}

impl Currency {
    /// Every supported currency.
    pub const ALL: [Currency; 7] = [
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Cad,
        Currency::Aud,
        Currency::Jpy,
        Currency::Chf,
    ];

    /// The ISO 4217 code, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Cad => "CAD",
            Currency::Aud => "AUD",
            Currency::Jpy => "JPY",
            Currency::Chf => "CHF",
        }
    }

    /// Digits after the decimal point of the currency's minor unit.
    pub fn minor_units(self) -> u32 {
        match self {
            Currency::Jpy => 0,
            _ => 2,
        }
    }

    /// Rounds an amount to the minor unit, half away from zero.
    ///
    /// # Example
    /// ```
    /// use procode::billing::Currency;
    /// use rust_decimal::Decimal;
    /// let d = |s: &str| s.parse::<Decimal>().unwrap();
    /// assert_eq!(Currency::Usd.round(d("2.345")), d("2.35"));
    /// assert_eq!(Currency::Usd.round(d("-2.345")), d("-2.35"));
    /// assert_eq!(Currency::Jpy.round(d("2.5")), d("3"));
    /// ```
    pub fn round(self, amount: Decimal) -> Decimal {
        let mut r = amount
            .round_dp_with_strategy(self.minor_units(), RoundingStrategy::MidpointAwayFromZero);
        // Always show the full minor unit ("120.00", not "120").
        r.rescale(self.minor_units());
        r
    }

    /// An amount as a whole number of the minor unit (cents for USD), after
    /// rounding it to the minor unit; `None` when that does not fit in an
    /// `i64`. What hosts without a decimal type (the C ABI) read.
    ///
    /// # Example
    /// ```
    /// use procode::billing::Currency;
    /// use rust_decimal::Decimal;
    /// let d = |s: &str| s.parse::<Decimal>().unwrap();
    /// assert_eq!(Currency::Usd.to_minor(d("120")), Some(12000));
    /// assert_eq!(Currency::Usd.to_minor(d("-2.345")), Some(-235));
    /// assert_eq!(Currency::Jpy.to_minor(d("1500")), Some(1500));
    /// ```
    pub fn to_minor(self, amount: Decimal) -> Option<i64> {
        i64::try_from(self.round(amount).mantissa()).ok()
    }
}

procode_index::as_str_impls!(display: Currency);

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, MoneyError> {
        procode_index::by_name(Currency::ALL, Currency::as_str, s)
            .ok_or_else(|| MoneyError::UnknownCurrency { code: s.to_owned() })
    }
}

procode_index::as_str_impls!(serde: Currency);

/// Why an amount or currency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// A currency code procode does not support.
    #[error("unknown currency {code:?}: use one of USD, EUR, GBP, CAD, AUD, JPY, CHF")]
    UnknownCurrency {
        /// The code as given.
        code: String,
    },
    /// Text that is not a decimal number.
    #[error("{input:?} is not a decimal amount (write it like 120.00)")]
    NotADecimal {
        /// The text as given.
        input: String,
    },
    /// An amount below zero where only zero or more makes sense.
    #[error("amount {amount} is negative")]
    Negative {
        /// The amount.
        amount: Decimal,
    },
    /// An amount above [`MAX_AMOUNT`].
    #[error("amount {amount} is too large (at most {max})")]
    TooLarge {
        /// The amount.
        amount: Decimal,
        /// The limit.
        max: Decimal,
    },
}

/// Checks that an amount is between zero and [`MAX_AMOUNT`].
pub(crate) fn check_amount(amount: Decimal) -> Result<(), MoneyError> {
    // A non-negative amount whose digits, read as a whole number, are at
    // most the ceiling's is within it whatever its scale (a batch scrub
    // checks every line's rate: no decimal comparison for those).
    if !amount.is_sign_negative() && amount.mantissa() <= MAX_AMOUNT.mantissa() {
        return Ok(());
    }
    if amount.is_sign_negative() && !amount.is_zero() {
        Err(MoneyError::Negative { amount })
    } else if amount > MAX_AMOUNT {
        Err(MoneyError::TooLarge {
            amount,
            max: MAX_AMOUNT,
        })
    } else {
        Ok(())
    }
}

/// Adds without ever panicking; amounts are bounded by [`MAX_AMOUNT`], so the
/// saturation is never reached by a document (callers compare the sum with
/// [`MAX_AMOUNT`], which a saturated sum exceeds).
pub(crate) fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(Decimal::MAX)
}

/// A line amount or a document total above [`MAX_AMOUNT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AmountTooLarge {
    /// The line whose amount is too large; `None` for the total.
    pub line_id: Option<String>,
    /// The amount (saturated at `Decimal::MAX` beyond it).
    pub amount: Decimal,
}

impl fmt::Display for AmountTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.line_id {
            Some(id) => write!(
                f,
                "line {id:?} amounts to {} (rate × units), above the largest amount procode bills ({MAX_AMOUNT})",
                self.amount
            ),
            None => write!(
                f,
                "the lines total {}, above the largest amount procode bills ({MAX_AMOUNT})",
                self.amount
            ),
        }
    }
}

/// The exact total of lines' amounts (rate × units, rounded) in a currency,
/// or the first line amount or the total that exceeds [`MAX_AMOUNT`]. Every
/// document keeps its lines within this bound: totals are exact, never
/// capped.
pub(crate) fn check_total(
    lines: &[super::line::CodeLine],
    currency: Currency,
) -> Result<Decimal, AmountTooLarge> {
    let mut total = Decimal::ZERO;
    for l in lines {
        let Some(r) = &l.rate else { continue };
        let amount = r
            .per_unit
            .checked_mul(Decimal::from(l.units))
            .map_or(Decimal::MAX, |a| currency.round(a));
        if amount > MAX_AMOUNT {
            return Err(AmountTooLarge {
                line_id: Some(l.id.clone()),
                amount,
            });
        }
        total = add(total, amount);
    }
    if total > MAX_AMOUNT {
        return Err(AmountTooLarge {
            line_id: None,
            amount: total,
        });
    }
    Ok(total)
}

/// An amount in a currency, always rounded to the currency's minor unit and
/// never negative.
///
/// In JSON: `{"amount": "120.00", "currency": "USD"}` (the amount is a decimal
/// string; JSON numbers are refused so no float ever touches money).
///
/// # Example
/// ```
/// use procode::billing::{Currency, Money};
/// let m = Money::parse("120.005", "usd").unwrap();
/// assert_eq!(m.to_string(), "120.01 USD");
/// assert_eq!(m.currency(), Currency::Usd);
/// assert!(Money::parse("-1", "USD").is_err());
/// assert!(Money::parse("1", "XXX").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    #[serde(with = "decimal_string")]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount rounded half away from zero to the currency's minor unit.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        check_amount(amount)?;
        Ok(Money {
            amount: currency.round(amount),
            currency,
        })
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Money {
        Money {
            amount: currency.round(Decimal::ZERO),
            currency,
        }
    }

    /// Parses an amount and a currency code.
    pub fn parse(amount: &str, currency: &str) -> Result<Money, MoneyError> {
        let currency: Currency = currency.parse()?;
        let value: Decimal = amount.trim().parse().map_err(|_| MoneyError::NotADecimal {
            input: amount.to_owned(),
        })?;
        Money::new(value, currency)
    }

    /// The amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyRepr {
    #[serde(with = "decimal_string")]
    amount: Decimal,
    currency: Currency,
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = MoneyRepr::deserialize(d)?;
        Money::new(r.amount, r.currency).map_err(serde::de::Error::custom)
    }
}

/// Serde helpers: a `Decimal` as a JSON string, refusing JSON numbers.
pub(crate) mod decimal_string {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let s = String::deserialize(d)?;
        s.trim().parse().map_err(|_| {
            serde::de::Error::custom(format!(
                "{s:?} is not a decimal amount (write money as a string like \"120.00\")"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_amount_is_one_trillion() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000u64));
    }

    #[test]
    fn the_amount_check_agrees_with_comparing_decimals_at_every_scale() {
        // The whole-number shortcut of `check_amount` against the plain
        // comparisons, around zero and the ceiling, at several scales.
        let plain = |a: Decimal| (a.is_zero() || !a.is_sign_negative()) && a <= MAX_AMOUNT;
        for m in [
            0i128,
            1,
            -1,
            999_999_999_999,
            1_000_000_000_000,
            1_000_000_000_001,
            10_000_000_000_000,
            10_000_000_000_001,
            1_000_000_000_000_000_000,
            1_000_000_000_000_000_001,
            79_228_162_514_264_337_593_543_950_335,
            -79_228_162_514_264_337_593_543_950_335,
        ] {
            for scale in [0, 1, 2, 4, 6, 12, 28] {
                let a = Decimal::from_i128_with_scale(m, scale);
                assert_eq!(check_amount(a).is_ok(), plain(a), "{a}");
            }
        }
        assert!(check_amount(Decimal::from_parts(0, 0, 0, true, 2)).is_ok());
    }

    #[test]
    fn json_is_a_string_and_numbers_are_refused() {
        let m = Money::parse("12.5", "EUR").unwrap();
        let j = serde_json::to_string(&m).unwrap();
        assert_eq!(j, r#"{"amount":"12.50","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&j).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":12.5,"currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"ABC"}"#).is_err());
    }

    #[test]
    fn rounding_half_away_from_zero() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(Currency::Gbp.round(d("0.125")), d("0.13"));
        assert_eq!(Currency::Gbp.round(d("0.124")), d("0.12"));
        assert_eq!(Currency::Jpy.round(d("1499.5")), d("1500"));
        assert_eq!(Currency::Chf.round(d("7")).to_string(), "7.00");
    }
}
