//! The claim context: who submits, who pays, who is covered, supplied by the
//! host beside the billing document, and its validation.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::ascii::x12_text;
use crate::billing::{Problem, ProblemCode};

/// Everything a claim needs that the billing document does not hold.
///
/// Read it from JSON (`serde_json::from_str`); check it with
/// [`ClaimContext::validate`] (export does both checks itself). Values are
/// written as people write them (`"12-3456789"`, `"02139-4307"`); procode
/// normalises them for each format.
///
/// # Example
/// ```
/// use procode::claim::ClaimContext;
/// let ctx: ClaimContext = serde_json::from_str(procode::claim::EXAMPLE_CONTEXT).unwrap();
/// assert!(ctx.validate().is_empty());
/// assert_eq!(ctx.billing_provider.npi, "1245319599");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimContext {
    /// Who sends the claim (often the practice or its clearinghouse account).
    pub submitter: Submitter,
    /// Who receives it (the clearinghouse or payer).
    pub receiver: Receiver,
    /// The envelope: interchange ids, usage and control numbers.
    pub interchange: Interchange,
    /// When the claim is created, with its UTC offset. procode never reads
    /// the clock: the same context gives the same bytes.
    pub created_at: DateTime<FixedOffset>,
    /// The billing provider.
    pub billing_provider: BillingProvider,
    /// The rendering provider; exported only when its NPI differs from the
    /// billing provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendering_provider: Option<RenderingProvider>,
    /// The payer (insurer).
    pub payer: Payer,
    /// The subscriber (the insured).
    pub subscriber: Subscriber,
    /// The patient's relationship to the subscriber.
    pub relationship: Relationship,
    /// The patient, when not the subscriber (required then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Patient>,
    /// The prior authorisation number, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_authorization: Option<String>,
    /// Original, replacement or void.
    #[serde(default)]
    pub frequency: Frequency,
    /// The payer's claim number of the claim replaced or voided (required
    /// for frequencies 7 and 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_claim_number: Option<String>,
}

/// The submitter (1000A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submitter {
    /// The organisation's name.
    pub name: String,
    /// The submitter id the receiver assigned (ETIN).
    pub id: String,
    /// Who to call about the claim.
    pub contact: Contact,
}

/// A contact person with a phone number or an email address (or both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The person's name.
    pub name: String,
    /// A ten-digit US phone number (punctuation allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// An email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The receiver (1000B).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receiver {
    /// The organisation's name.
    pub name: String,
    /// Its id.
    pub id: String,
}

/// The X12 envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interchange {
    /// ISA05, the sender id qualifier (e.g. `ZZ` mutually defined, `30` EIN).
    pub sender_qualifier: String,
    /// ISA06, at most 15 characters.
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08, at most 15 characters.
    pub receiver_id: String,
    /// ISA15: test or production.
    pub usage: Usage,
    /// ISA13/IEA02, 1 to 999999999.
    pub control_number: u32,
    /// GS06/GE02, 1 to 999999999.
    pub group_control_number: u32,
    /// ST02/SE02, 1 to 999999999 (written with at least four digits).
    pub transaction_set_control_number: u32,
}

/// ISA15, the usage indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Usage {
    /// `T`: test data.
    #[serde(rename = "T")]
    Test,
    /// `P`: production data.
    #[serde(rename = "P")]
    Production,
}

/// A person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    /// Last name.
    pub last: String,
    /// First name.
    pub first: String,
    /// Middle name or initial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    /// Suffix (Jr, III).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

/// A provider's name: an organisation or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderName {
    /// An organisation (`{"organization": "Lakeside Counseling"}`).
    Organization(String),
    /// A person (`{"person": {"last": "Lee", "first": "Ana"}}`).
    Person(PersonName),
}

/// The billing provider's tax id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxId {
    /// An employer identification number, nine digits (`12-3456789`).
    Ein(String),
    /// A social security number, nine digits (`123-45-6789`).
    Ssn(String),
}

/// A US postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// First street line.
    pub line1: String,
    /// Second street line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Two-letter state or territory code.
    pub state: String,
    /// ZIP code: five or nine digits (`02139` or `02139-4307`).
    pub zip: String,
}

/// The billing provider (2000A/2010AA, CMS-1500 boxes 25 and 33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingProvider {
    /// Organisation or person.
    pub name: ProviderName,
    /// The ten-digit NPI.
    pub npi: String,
    /// EIN or SSN.
    pub tax_id: TaxId,
    /// The provider taxonomy code (ten characters, e.g. `101YM0800X`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
    /// A street address (no PO box) with a nine-digit ZIP code.
    pub address: Address,
}

/// The rendering provider (2310B, CMS-1500 box 24J), a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderingProvider {
    /// The name.
    pub name: PersonName,
    /// The ten-digit NPI.
    pub npi: String,
    /// The provider taxonomy code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
}

/// The payer (2010BB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    /// The payer's name.
    pub name: String,
    /// The payer id.
    pub id: String,
    /// SBR09, the kind of coverage.
    pub claim_filing_indicator: ClaimFilingIndicator,
}

/// SBR09, the claim filing indicator code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ClaimFilingIndicator {
    /// `11` other non-federal programs.
    #[serde(rename = "11")]
    OtherNonFederal,
    /// `12` preferred provider organisation.
    #[serde(rename = "12")]
    Ppo,
    /// `13` point of service.
    #[serde(rename = "13")]
    PointOfService,
    /// `14` exclusive provider organisation.
    #[serde(rename = "14")]
    Epo,
    /// `15` indemnity insurance.
    #[serde(rename = "15")]
    Indemnity,
    /// `16` health maintenance organisation Medicare risk.
    #[serde(rename = "16")]
    HmoMedicareRisk,
    /// `17` dental maintenance organisation.
    #[serde(rename = "17")]
    DentalMaintenance,
    /// `AM` automobile medical.
    #[serde(rename = "AM")]
    AutomobileMedical,
    /// `BL` Blue Cross/Blue Shield.
    #[serde(rename = "BL")]
    BlueCrossBlueShield,
    /// `CH` Champus (TRICARE).
    #[serde(rename = "CH")]
    Champus,
    /// `CI` commercial insurance.
    #[serde(rename = "CI")]
    Commercial,
    /// `DS` disability.
    #[serde(rename = "DS")]
    Disability,
    /// `FI` federal employees program.
    #[serde(rename = "FI")]
    FederalEmployees,
    /// `HM` health maintenance organisation.
    #[serde(rename = "HM")]
    Hmo,
    /// `LM` liability medical.
    #[serde(rename = "LM")]
    LiabilityMedical,
    /// `MA` Medicare part A.
    #[serde(rename = "MA")]
    MedicarePartA,
    /// `MB` Medicare part B.
    #[serde(rename = "MB")]
    MedicarePartB,
    /// `MC` Medicaid.
    #[serde(rename = "MC")]
    Medicaid,
    /// `OF` other federal program.
    #[serde(rename = "OF")]
    OtherFederal,
    /// `TV` Title V.
    #[serde(rename = "TV")]
    TitleV,
    /// `VA` Veterans Affairs plan.
    #[serde(rename = "VA")]
    VeteransAffairs,
    /// `WC` workers' compensation.
    #[serde(rename = "WC")]
    WorkersCompensation,
    /// `ZZ` mutually defined.
    #[serde(rename = "ZZ")]
    MutuallyDefined,
}

impl ClaimFilingIndicator {
    /// The X12 code (`"CI"`).
    pub fn as_str(self) -> &'static str {
        use ClaimFilingIndicator::*;
        match self {
            OtherNonFederal => "11",
            Ppo => "12",
            PointOfService => "13",
            Epo => "14",
            Indemnity => "15",
            HmoMedicareRisk => "16",
            DentalMaintenance => "17",
            AutomobileMedical => "AM",
            BlueCrossBlueShield => "BL",
            Champus => "CH",
            Commercial => "CI",
            Disability => "DS",
            FederalEmployees => "FI",
            Hmo => "HM",
            LiabilityMedical => "LM",
            MedicarePartA => "MA",
            MedicarePartB => "MB",
            Medicaid => "MC",
            OtherFederal => "OF",
            TitleV => "TV",
            VeteransAffairs => "VA",
            WorkersCompensation => "WC",
            MutuallyDefined => "ZZ",
        }
    }
}

/// Administrative sex, as claims carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// `F`.
    #[serde(rename = "F")]
    Female,
    /// `M`.
    #[serde(rename = "M")]
    Male,
    /// `U` unknown.
    #[serde(rename = "U")]
    Unknown,
}

impl Sex {
    /// `F`, `M` or `U`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "U",
        }
    }
}

/// The subscriber (the insured: 2000B/2010BA, CMS-1500 boxes 1a, 4, 7, 11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    /// The name.
    pub name: PersonName,
    /// The member id on the insurance card.
    pub member_id: String,
    /// The group or policy number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<String>,
    /// The address.
    pub address: Address,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
}

/// The patient when not the subscriber (2000C/2010CA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// The name.
    pub name: PersonName,
    /// The address.
    pub address: Address,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
}

/// The patient's relationship to the subscriber (SBR02 / PAT01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Relationship {
    /// The patient is the subscriber (`18`).
    #[serde(rename = "self")]
    SelfInsured,
    /// `01` spouse.
    #[serde(rename = "01")]
    Spouse,
    /// `19` child.
    #[serde(rename = "19")]
    Child,
    /// `20` employee.
    #[serde(rename = "20")]
    Employee,
    /// `21` unknown.
    #[serde(rename = "21")]
    Unknown,
    /// `39` organ donor.
    #[serde(rename = "39")]
    OrganDonor,
    /// `40` cadaver donor.
    #[serde(rename = "40")]
    CadaverDonor,
    /// `53` life partner.
    #[serde(rename = "53")]
    LifePartner,
    /// `G8` other relationship.
    #[serde(rename = "G8")]
    Other,
}

impl Relationship {
    /// The X12 individual relationship code (`18` for self).
    pub fn code(self) -> &'static str {
        match self {
            Relationship::SelfInsured => "18",
            Relationship::Spouse => "01",
            Relationship::Child => "19",
            Relationship::Employee => "20",
            Relationship::Unknown => "21",
            Relationship::OrganDonor => "39",
            Relationship::CadaverDonor => "40",
            Relationship::LifePartner => "53",
            Relationship::Other => "G8",
        }
    }
}

/// The claim frequency (CLM05-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Frequency {
    /// `1` original claim.
    #[default]
    #[serde(rename = "1")]
    Original,
    /// `7` replacement of a prior claim.
    #[serde(rename = "7")]
    Replacement,
    /// `8` void of a prior claim.
    #[serde(rename = "8")]
    Void,
}

impl Frequency {
    /// `1`, `7` or `8`.
    pub fn code(self) -> &'static str {
        match self {
            Frequency::Original => "1",
            Frequency::Replacement => "7",
            Frequency::Void => "8",
        }
    }

    /// Whether it refers to an earlier claim (7 or 8).
    pub fn resubmits(self) -> bool {
        self != Frequency::Original
    }
}

/// US state, district, territory and military post codes.
const STATES: [&str; 62] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "AA", "AE", "AP",
];

/// Whether `npi` is ten digits whose last is the Luhn check digit computed
/// over `80840` followed by the first nine.
///
/// # Example
/// ```
/// use procode::claim::npi_is_valid;
/// assert!(npi_is_valid("1234567893"));
/// assert!(!npi_is_valid("1234567890"));
/// assert!(!npi_is_valid("123456789"));
/// ```
pub fn npi_is_valid(npi: &str) -> bool {
    Npi::parse(npi).is_some()
}

/// The value of an ASCII digit.
fn digit(b: u8) -> u32 {
    u32::from(b.wrapping_sub(b'0'))
}

/// A National Provider Identifier, checked: ten digits whose last is the
/// Luhn check digit over `80840` and the first nine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Npi(String);

impl Npi {
    /// The NPI written as `s` (exactly ten digits), when valid.
    pub(crate) fn parse(s: &str) -> Option<Npi> {
        let b = s.as_bytes();
        let (&check, payload) = b.split_last()?;
        if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // Luhn over 80840 and the nine payload digits, the check digit
        // appended: double every second digit from the right, starting with
        // the rightmost payload digit.
        let sum: u32 = b"80840"
            .iter()
            .chain(payload)
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                let d = digit(d);
                match (i % 2 == 0, d * 2) {
                    (true, x) if x > 9 => x - 9,
                    (true, x) => x,
                    (false, _) => d,
                }
            })
            .sum();
        ((10 - sum % 10) % 10 == digit(check)).then(|| Npi(s.to_owned()))
    }

    /// The ten digits.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// The digits of `s` when it is `n` digits with hyphens only where `groups`
/// allows them (group sizes), else `None`.
fn grouped_digits(s: &str, groups: &[usize]) -> Option<String> {
    let s = s.trim();
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != groups.iter().sum::<usize>() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return Some(digits);
    }
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() == groups.len()
        && parts
            .iter()
            .zip(groups)
            .all(|(p, &n)| p.len() == n && p.chars().all(|c| c.is_ascii_digit()));
    ok.then_some(digits)
}

/// A billing provider's tax id, checked: the nine digits of an EIN or SSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TaxNumber {
    /// An employer identification number (`12-3456789` or `123456789`).
    Ein(String),
    /// A social security number (`123-45-6789`).
    Ssn(String),
}

impl TaxNumber {
    /// The nine digits.
    pub(crate) fn digits(&self) -> &str {
        match self {
            TaxNumber::Ein(d) | TaxNumber::Ssn(d) => d,
        }
    }
}

/// The nine digits of an EIN (`12-3456789` or `123456789`), when valid.
pub(crate) fn ein_digits(s: &str) -> Option<String> {
    grouped_digits(s, &[2, 7]).filter(|d| !d.starts_with("00"))
}

/// The nine digits of an SSN (`123-45-6789`), when valid.
pub(crate) fn ssn_digits(s: &str) -> Option<String> {
    grouped_digits(s, &[3, 2, 4]).filter(|d| {
        let area = d.get(..3).unwrap_or_default();
        let group = d.get(3..5).unwrap_or_default();
        let serial = d.get(5..).unwrap_or_default();
        area != "000"
            && area != "666"
            && !area.starts_with('9')
            && group != "00"
            && serial != "0000"
    })
}

/// A ZIP code, checked: five digits, or five and four (ZIP+4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Zip {
    five: String,
    four: Option<String>,
}

impl Zip {
    /// The ZIP written as `s` (`02139`, `02139-4307` or `021394307`).
    pub(crate) fn parse(s: &str) -> Option<Zip> {
        let d = grouped_digits(s, &[5]).or_else(|| grouped_digits(s, &[5, 4]))?;
        let (five, four) = (d.get(..5)?, d.get(5..)?);
        Some(Zip {
            five: five.to_owned(),
            four: (!four.is_empty()).then(|| four.to_owned()),
        })
    }

    /// Whether it is a ZIP+4.
    pub(crate) fn is_nine(&self) -> bool {
        self.four.is_some()
    }

    /// The digits, five or nine (X12 N403).
    pub(crate) fn digits(&self) -> String {
        format!("{}{}", self.five, self.four.as_deref().unwrap_or_default())
    }

    /// As people write it: `02139` or `02139-4307` (FHIR, CMS-1500).
    pub(crate) fn dashed(&self) -> String {
        match &self.four {
            Some(f) => format!("{}-{f}", self.five),
            None => self.five.clone(),
        }
    }
}

/// The digits of a ZIP code: five or nine (`02139`, `02139-4307`).
#[cfg(test)]
pub(crate) fn zip_digits(s: &str) -> Option<String> {
    Zip::parse(s).map(|z| z.digits())
}

/// The parts of a claim context the claim formats carry in a normalised
/// form, each parsed once by [`ClaimContext::validate`]'s checks: the
/// writers only write them.
#[derive(Debug, Clone)]
pub(crate) struct Parties {
    /// The billing provider's NPI.
    pub billing_npi: Npi,
    /// The rendering provider's NPI, when it must be exported (it differs
    /// from the billing provider's).
    pub rendering_npi: Option<Npi>,
    /// The billing provider's EIN or SSN.
    pub tax: TaxNumber,
    /// The billing provider's ZIP+4.
    pub billing_zip: Zip,
    /// The subscriber's ZIP.
    pub subscriber_zip: Zip,
    /// The patient's ZIP, when the patient is not the subscriber.
    pub patient_zip: Option<Zip>,
    /// The submitter's ten-digit phone number, when given.
    pub phone: Option<String>,
}

/// Whether a street line names a post office box (`PO Box 12`,
/// `P.O. Box`, `Post Office Box`, `POB 4`).
pub(crate) fn is_po_box(line: &str) -> bool {
    let t: String = x12_text(line)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let t = t.replace("P O", "PO");
    let words: Vec<&str> = t.split_whitespace().collect();
    (0..words.len()).any(|i| {
        (1..=3).any(|k| {
            words.get(i..i + k).is_some_and(|w| {
                let joined = w.concat();
                matches!(joined.as_str(), "POBOX" | "POSTOFFICEBOX" | "POSTBOX")
                    || (i == 0 && joined == "POB")
            })
        })
    })
}

/// Collects context problems, each naming its field.
struct Checker {
    out: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, code: ProblemCode, field: &str, message: String) {
        self.out
            .push(Problem::new(code, None, format!("{field}: {message}")));
    }

    /// A required text: present after transliteration, at most `max`
    /// characters in X12.
    fn text(&mut self, field: &str, value: &str, max: usize) {
        let t = x12_text(value);
        if t.is_empty() {
            self.push(
                ProblemCode::MissingContextField,
                field,
                "required, and must have letters or digits".into(),
            );
        } else if t.len() > max {
            self.push(
                ProblemCode::ValueTooLong,
                field,
                format!("{} characters where a claim takes at most {max}", t.len()),
            );
        }
    }

    fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(field, v, max);
        }
    }

    /// An identifier: 1..=max characters of letters, digits, `-`, `.`, `/`
    /// and spaces, nothing X12 would change.
    fn id(&mut self, field: &str, value: &str, max: usize) {
        let v = value.trim();
        if v.is_empty() {
            self.push(ProblemCode::MissingContextField, field, "required".into());
        } else if !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | ' '))
        {
            self.push(
                ProblemCode::InvalidIdentifier,
                field,
                format!("{v:?} may only hold letters, digits, '-', '.', '/' and spaces"),
            );
        } else if v.len() > max {
            self.push(
                ProblemCode::ValueTooLong,
                field,
                format!("{} characters where a claim takes at most {max}", v.len()),
            );
        }
    }

    fn npi(&mut self, field: &str, value: &str) -> Option<Npi> {
        if value.trim().is_empty() {
            self.push(ProblemCode::MissingContextField, field, "required".into());
            return None;
        }
        let npi = Npi::parse(value);
        if npi.is_none() {
            self.push(
                ProblemCode::InvalidNpi,
                field,
                format!("{value:?} is not an NPI: ten digits whose last is the Luhn check digit over 80840 and the first nine"),
            );
        }
        npi
    }

    fn taxonomy(&mut self, field: &str, value: Option<&str>) {
        let Some(v) = value else { return };
        let b = v.as_bytes();
        let ok = b.len() == 10
            && b.split_last().is_some_and(|(last, first)| {
                first.iter().all(u8::is_ascii_alphanumeric) && last.eq_ignore_ascii_case(&b'X')
            });
        if !ok {
            self.push(
                ProblemCode::InvalidTaxonomy,
                field,
                format!("{v:?} is not a provider taxonomy code (ten characters ending in X, e.g. 101YM0800X)"),
            );
        }
    }

    fn name(&mut self, field: &str, n: &PersonName) {
        self.text(&format!("{field}.last"), &n.last, 60);
        self.text(&format!("{field}.first"), &n.first, 35);
        self.opt_text(&format!("{field}.middle"), n.middle.as_deref(), 25);
        self.opt_text(&format!("{field}.suffix"), n.suffix.as_deref(), 10);
    }

    fn address(
        &mut self,
        field: &str,
        a: &Address,
        nine_digit_zip: bool,
        street: bool,
    ) -> Option<Zip> {
        self.text(&format!("{field}.line1"), &a.line1, 55);
        self.opt_text(&format!("{field}.line2"), a.line2.as_deref(), 55);
        self.text(&format!("{field}.city"), &a.city, 30);
        let st = a.state.trim().to_ascii_uppercase();
        if st.is_empty() {
            self.push(
                ProblemCode::MissingContextField,
                &format!("{field}.state"),
                "required".into(),
            );
        } else if !STATES.contains(&st.as_str()) {
            self.push(
                ProblemCode::InvalidState,
                &format!("{field}.state"),
                format!(
                    "{:?} is not a US state or territory code (e.g. MA)",
                    a.state
                ),
            );
        }
        let zip = match Zip::parse(&a.zip) {
            Some(z) if nine_digit_zip && !z.is_nine() => {
                self.push(
                    ProblemCode::InvalidZip,
                    &format!("{field}.zip"),
                    format!(
                        "{:?}: the billing provider needs the nine-digit ZIP+4",
                        a.zip
                    ),
                );
                None
            }
            Some(z) => Some(z),
            None if a.zip.trim().is_empty() => {
                self.push(
                    ProblemCode::MissingContextField,
                    &format!("{field}.zip"),
                    "required".into(),
                );
                None
            }
            None => {
                self.push(
                    ProblemCode::InvalidZip,
                    &format!("{field}.zip"),
                    format!("{:?} is not a ZIP code (five or nine digits)", a.zip),
                );
                None
            }
        };
        if street {
            for (f, l) in [("line1", Some(&a.line1)), ("line2", a.line2.as_ref())] {
                if l.is_some_and(|l| is_po_box(l)) {
                    self.push(
                        ProblemCode::PoBoxAddress,
                        &format!("{field}.{f}"),
                        "the billing provider needs a street address, not a post office box".into(),
                    );
                }
            }
        }
        zip
    }

    fn birth_date(&mut self, field: &str, d: NaiveDate, created: NaiveDate) {
        // 1900-01-01: the earliest birth date a claim takes.
        let floor = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
        if d < floor || d > created {
            self.push(
                ProblemCode::InvalidDate,
                field,
                format!("birth date {d} must be between 1900-01-01 and the claim's creation date {created}"),
            );
        }
    }

    fn control(&mut self, field: &str, n: u32) {
        if n == 0 || n > 999_999_999 {
            self.push(
                ProblemCode::InvalidControlNumber,
                field,
                format!("{n}: control numbers run from 1 to 999999999"),
            );
        }
    }
}

impl Checker {
    /// The submitter and its contact: the phone number's digits (`Some(None)`
    /// without a phone number; `None` when it is invalid).
    fn submitter(&mut self, ctx: &ClaimContext) -> Option<Option<String>> {
        self.text("submitter.name", &ctx.submitter.name, 60);
        self.id("submitter.id", &ctx.submitter.id, 80);
        self.text("submitter.contact.name", &ctx.submitter.contact.name, 60);
        let contact = &ctx.submitter.contact;
        let phone = contact
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let email = contact
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if phone.is_none() && email.is_none() {
            self.push(
                ProblemCode::MissingContextField,
                "submitter.contact",
                "a phone number or an email address is required".into(),
            );
        }
        let mut phone_ok = true;
        let phone = phone.and_then(|p| {
            let digits = phone_digits(p);
            if digits.is_none() {
                phone_ok = false;
                self.push(
                    ProblemCode::InvalidContact,
                    "submitter.contact.phone",
                    format!("{p:?} is not a ten-digit US phone number"),
                );
            }
            digits
        });
        if let Some(e) = email {
            if !email_ok(e) {
                self.push(
                    ProblemCode::InvalidContact,
                    "submitter.contact.email",
                    format!("{e:?} is not an email address X12 can carry"),
                );
            }
        }
        phone_ok.then_some(phone)
    }

    /// The receiver and the interchange envelope.
    fn interchange(&mut self, ctx: &ClaimContext) {
        self.text("receiver.name", &ctx.receiver.name, 60);
        self.id("receiver.id", &ctx.receiver.id, 80);

        let ix = &ctx.interchange;
        for (f, q) in [
            ("interchange.sender_qualifier", &ix.sender_qualifier),
            ("interchange.receiver_qualifier", &ix.receiver_qualifier),
        ] {
            let t = q.trim();
            if t.is_empty() {
                self.push(ProblemCode::MissingContextField, f, "required".into());
            } else if t.len() != 2 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.push(
                    ProblemCode::InvalidIdentifier,
                    f,
                    format!("{t:?} is not an interchange id qualifier (two characters, e.g. ZZ)"),
                );
            }
        }
        self.id("interchange.sender_id", &ix.sender_id, 15);
        self.id("interchange.receiver_id", &ix.receiver_id, 15);
        self.control("interchange.control_number", ix.control_number);
        self.control("interchange.group_control_number", ix.group_control_number);
        self.control(
            "interchange.transaction_set_control_number",
            ix.transaction_set_control_number,
        );
    }

    /// The billing provider: its NPI, tax number and ZIP, each `None` when
    /// invalid.
    fn billing_provider(
        &mut self,
        ctx: &ClaimContext,
    ) -> (Option<Npi>, Option<TaxNumber>, Option<Zip>) {
        let bp = &ctx.billing_provider;
        match &bp.name {
            ProviderName::Organization(n) => self.text("billing_provider.name.organization", n, 60),
            ProviderName::Person(n) => self.name("billing_provider.name.person", n),
        }
        let billing_npi = self.npi("billing_provider.npi", &bp.npi);
        let tax = match &bp.tax_id {
            TaxId::Ein(e) => {
                let d = ein_digits(e).map(TaxNumber::Ein);
                if d.is_none() {
                    self.push(
                        ProblemCode::InvalidEin,
                        "billing_provider.tax_id.ein",
                        format!("{e:?} is not an EIN (nine digits, written 12-3456789)"),
                    );
                }
                d
            }
            TaxId::Ssn(s) => {
                let d = ssn_digits(s).map(TaxNumber::Ssn);
                if d.is_none() {
                    self.push(
                        ProblemCode::InvalidSsn,
                        "billing_provider.tax_id.ssn",
                        "not a valid social security number (nine digits, written 123-45-6789)"
                            .into(),
                    );
                }
                d
            }
        };
        self.taxonomy("billing_provider.taxonomy", bp.taxonomy.as_deref());
        let billing_zip = self.address("billing_provider.address", &bp.address, true, true);

        (billing_npi, tax, billing_zip)
    }

    /// The rendering provider's NPI when it must be exported (it differs
    /// from `billing_npi`).
    fn rendering_provider(
        &mut self,
        ctx: &ClaimContext,
        billing_npi: Option<&Npi>,
    ) -> Option<Option<Npi>> {
        let bp = &ctx.billing_provider;
        // `Some(None)`: no rendering provider (or the billing provider's
        // NPI); `None`: its NPI is invalid.
        let rendering_npi = match &ctx.rendering_provider {
            None => Some(None),
            Some(r) => {
                self.name("rendering_provider.name", &r.name);
                let npi = self.npi("rendering_provider.npi", &r.npi);
                self.taxonomy("rendering_provider.taxonomy", r.taxonomy.as_deref());
                npi.map(|n| {
                    let same =
                        billing_npi.is_some_and(|b| b == &n) || r.npi.trim() == bp.npi.trim();
                    (!same).then_some(n)
                })
            }
        };

        rendering_npi
    }

    /// The payer, the subscriber and the patient: the subscriber's ZIP and
    /// the patient's (`Some(None)` when the patient is the subscriber).
    fn insured(
        &mut self,
        ctx: &ClaimContext,
        created: NaiveDate,
    ) -> (Option<Zip>, Option<Option<Zip>>) {
        self.text("payer.name", &ctx.payer.name, 60);
        self.id("payer.id", &ctx.payer.id, 80);

        let s = &ctx.subscriber;
        self.name("subscriber.name", &s.name);
        self.id("subscriber.member_id", &s.member_id, 80);
        if let Some(g) = &s.group_number {
            self.id("subscriber.group_number", g, 50);
        }
        let subscriber_zip = self.address("subscriber.address", &s.address, false, false);
        self.birth_date("subscriber.birth_date", s.birth_date, created);

        // `Some(None)`: the patient is the subscriber.
        let patient_zip = match (&ctx.relationship, &ctx.patient) {
            (Relationship::SelfInsured, _) => Some(None),
            (_, None) => {
                self.push(
                    ProblemCode::MissingContextField,
                    "patient",
                    "the patient's name, address, birth date and sex are required when the patient is not the subscriber".into(),
                );
                None
            }
            (_, Some(p)) => {
                self.name("patient.name", &p.name);
                let zip = self.address("patient.address", &p.address, false, false);
                self.birth_date("patient.birth_date", p.birth_date, created);
                zip.map(Some)
            }
        };
        (subscriber_zip, patient_zip)
    }

    /// The prior authorization and, for a replacement or void, the original
    /// claim number.
    fn resubmission(&mut self, ctx: &ClaimContext) {
        if let Some(a) = &ctx.prior_authorization {
            self.id("prior_authorization", a, 50);
        }
        match (&ctx.original_claim_number, ctx.frequency.resubmits()) {
            (None, true) => self.push(
                ProblemCode::MissingOriginalClaim,
                "original_claim_number",
                format!(
                    "frequency {} ({}) needs the payer's claim number of the original claim",
                    ctx.frequency.code(),
                    if ctx.frequency == Frequency::Void {
                        "void"
                    } else {
                        "replacement"
                    }
                ),
            ),
            (Some(n), true) if n.trim().is_empty() => self.push(
                ProblemCode::MissingOriginalClaim,
                "original_claim_number",
                "empty: give the payer's claim number of the original claim".into(),
            ),
            (Some(n), true) => self.id("original_claim_number", n, 50),
            _ => {}
        }
    }
}

impl ClaimContext {
    /// Every problem of the context, each with a stable code and a message
    /// naming the field (`billing_provider.npi: ...`); empty when valid.
    ///
    /// # Example
    /// ```
    /// use procode::claim::ClaimContext;
    /// use procode::billing::ProblemCode;
    /// let mut ctx: ClaimContext = serde_json::from_str(procode::claim::EXAMPLE_CONTEXT).unwrap();
    /// ctx.billing_provider.npi = "1245319590".into();
    /// ctx.billing_provider.address.zip = "02139".into();
    /// let codes: Vec<_> = ctx.validate().iter().map(|p| p.code).collect();
    /// assert_eq!(codes, [ProblemCode::InvalidNpi, ProblemCode::InvalidZip]);
    /// ```
    pub fn validate(&self) -> Vec<Problem> {
        self.parse().0
    }

    /// The context's problems and, when it has none, its parsed parties
    /// (the NPIs, tax id, ZIP codes and phone number the claim formats
    /// carry). The parties are `None` exactly when a problem was found in
    /// one of them.
    pub(crate) fn parse(&self) -> (Vec<Problem>, Option<Parties>) {
        let mut c = Checker { out: Vec::new() };
        let created = self.created_at.date_naive();
        let phone = c.submitter(self);
        c.interchange(self);
        let (billing_npi, tax, billing_zip) = c.billing_provider(self);
        let rendering_npi = c.rendering_provider(self, billing_npi.as_ref());
        let (subscriber_zip, patient_zip) = c.insured(self, created);
        c.resubmission(self);
        let parties = (|| {
            Some(Parties {
                billing_npi: billing_npi?,
                rendering_npi: rendering_npi?,
                tax: tax?,
                billing_zip: billing_zip?,
                subscriber_zip: subscriber_zip?,
                patient_zip: patient_zip?,
                phone: phone?,
            })
        })();
        (c.out, parties)
    }

    /// Whether the patient is the subscriber.
    pub fn patient_is_subscriber(&self) -> bool {
        self.relationship == Relationship::SelfInsured
    }

    /// The rendering provider when it must be exported: its NPI differs
    /// from the billing provider's.
    pub fn distinct_rendering(&self) -> Option<&RenderingProvider> {
        self.rendering_provider
            .as_ref()
            .filter(|r| r.npi.trim() != self.billing_provider.npi.trim())
    }
}

/// The ten digits of a US phone number (an optional leading 1 dropped).
pub(crate) fn phone_digits(p: &str) -> Option<String> {
    if !p
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'))
    {
        return None;
    }
    let d: String = p.chars().filter(char::is_ascii_digit).collect();
    match d.len() {
        10 => Some(d),
        11 if d.starts_with('1') => Some(d[1..].to_owned()),
        _ => None,
    }
}

fn email_ok(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 256
        && e.chars()
            .all(|c| c.is_ascii_graphic() && !super::ascii::SEPARATORS.contains(&c))
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_luhn() {
        // CMS's published example and computed ones.
        assert!(npi_is_valid("1234567893"));
        assert!(npi_is_valid("1245319599"));
        for bad in ["1234567890", "123456789", "12345678901", "123456789X", ""] {
            assert!(!npi_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn tax_ids_and_zips() {
        assert_eq!(ein_digits("12-3456789").as_deref(), Some("123456789"));
        assert_eq!(ein_digits("123456789").as_deref(), Some("123456789"));
        assert!(ein_digits("123-456789").is_none());
        assert!(ein_digits("12345678").is_none());
        assert!(ein_digits("00-1234567").is_none());
        assert_eq!(ssn_digits("123-45-6789").as_deref(), Some("123456789"));
        assert!(ssn_digits("666-45-6789").is_none());
        assert!(ssn_digits("123-00-6789").is_none());
        assert_eq!(zip_digits("02139").as_deref(), Some("02139"));
        assert_eq!(zip_digits("02139-4307").as_deref(), Some("021394307"));
        assert_eq!(zip_digits("021394307").as_deref(), Some("021394307"));
        assert!(zip_digits("0213").is_none());
        assert!(zip_digits("02139-43").is_none());
    }

    #[test]
    fn po_boxes() {
        for p in [
            "PO Box 12",
            "P.O. Box 12",
            "p o box 12",
            "Post Office Box 9",
            "POB 4",
            "Suite 2, PO Box 3",
        ] {
            assert!(is_po_box(p), "{p}");
        }
        for s in [
            "100 Post Road",
            "1 Boxwood Ln",
            "12 Poplar St",
            "5 Pobst Ave",
        ] {
            assert!(!is_po_box(s), "{s}");
        }
    }

    #[test]
    fn phones_and_emails() {
        assert_eq!(
            phone_digits("(617) 555-0134").as_deref(),
            Some("6175550134")
        );
        assert_eq!(
            phone_digits("+1 617 555 0134").as_deref(),
            Some("6175550134")
        );
        assert!(phone_digits("555-0134").is_none());
        assert!(phone_digits("617-555-01x4").is_none());
        assert!(email_ok("billing@lakeside.example"));
        assert!(!email_ok("billing@lakeside"));
        assert!(!email_ok("bill*ing@lakeside.example"));
    }
}
