//! X12 837 Professional, 005010X222A1.

use super::ascii::x12_text;
use super::context::{Address, ClaimContext, PersonName, ProviderName, TaxNumber, Usage, Zip};
use super::{plain_amount, prepare, Checked, ClaimPart, PartLine, Result, MAX_LINES_PER_CLAIM};
use crate::billing::{BillingDocument, CodeSource};
use crate::code::Code;

/// The implementation guide version (GS08, ST03).
const VERSION: &str = "005010X222A1";

/// Segments being written; counts those of the transaction set.
struct Writer {
    out: String,
    in_set: usize,
}

impl Writer {
    /// Writes one segment, dropping trailing empty elements.
    fn seg(&mut self, elements: &[&str]) {
        let used = elements
            .iter()
            .rposition(|e| !e.is_empty())
            .map_or(0, |i| i + 1);
        self.out.push_str(&elements[..used].join("*"));
        self.out.push('~');
        self.in_set += 1;
    }

    /// NM1 for a person: last, first, middle, (prefix), suffix, then the id.
    fn nm1_person(&mut self, entity: &str, n: &PersonName, qual: &str, id: &str) {
        let (last, first) = (x12_text(&n.last), x12_text(&n.first));
        let middle = n.middle.as_deref().map(x12_text).unwrap_or_default();
        let suffix = n.suffix.as_deref().map(x12_text).unwrap_or_default();
        self.seg(&[
            "NM1", entity, "1", &last, &first, &middle, "", &suffix, qual, id,
        ]);
    }

    fn nm1_org(&mut self, entity: &str, name: &str, qual: &str, id: &str) {
        self.seg(&[
            "NM1",
            entity,
            "2",
            &x12_text(name),
            "",
            "",
            "",
            "",
            qual,
            id,
        ]);
    }

    fn address(&mut self, a: &Address, zip: &Zip) {
        let line2 = a.line2.as_deref().map(x12_text).unwrap_or_default();
        self.seg(&["N3", &x12_text(&a.line1), &line2]);
        self.seg(&[
            "N4",
            &x12_text(&a.city),
            &a.state.trim().to_ascii_uppercase(),
            &zip.digits(),
        ]);
    }
}

/// The X12 837P interchange (ISA … IEA) for `doc` with `ctx`: one
/// transaction set, one claim per 50 lines. Refuses a document or context
/// with problems ([`check`](super::check)).
///
/// # Example
/// ```
/// use procode::billing::Document;
/// use procode::claim::{x12_837p, ClaimContext, EXAMPLE_CONTEXT, EXAMPLE_INVOICE};
/// # let Ok(catalog) = procode::Catalog::embedded() else { return };
/// let doc: Document = serde_json::from_str(EXAMPLE_INVOICE).unwrap();
/// let ctx = ClaimContext::from_json(EXAMPLE_CONTEXT).unwrap();
/// let x12 = x12_837p(&doc, &ctx, &catalog).unwrap();
/// assert_eq!(x12.split('~').next().unwrap().len(), 105); // ISA, 106 with its `~`
/// assert!(x12.contains("~CLM*INV-7*145.5***11:B:1*Y*A*Y*Y~"));
/// assert!(x12.contains("~SV1*HC:H0004:HO*120*UN*4***1~"));
/// assert!(x12.contains("~NM1*IL*1*NUNEZ*ZOE****MI*W123456789~"));
/// assert!(x12.ends_with("~IEA*1*000000001~"));
/// ```
pub fn x12_837p<D, S>(doc: &D, ctx: &ClaimContext, source: &S) -> Result<String>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    Ok(write(&prepare(doc, ctx, source)?))
}

/// The control numbers the trailer repeats (ISA13, GS06, ST02).
struct Controls {
    isa13: String,
    gs06: String,
    st02: String,
}

/// Writes a checked claim.
fn write(c: &Checked<'_>) -> String {
    let ctx: &ClaimContext = c.ctx;
    let mut w = Writer {
        out: String::new(),
        in_set: 0,
    };
    let controls = w.header(c);
    w.submitter_receiver(c);
    w.billing_provider(c);
    let is_self = ctx.patient_is_subscriber();
    w.subscriber(c, is_self);
    if !is_self {
        w.patient(c);
    }
    for claim in &c.parts(MAX_LINES_PER_CLAIM) {
        w.claim(c, claim);
    }
    let count = (w.in_set + 1).to_string();
    w.seg(&["SE", &count, &controls.st02]);
    w.seg(&["GE", "1", &controls.gs06]);
    w.seg(&["IEA", "1", &controls.isa13]);
    w.out
}

impl Writer {
    /// ISA, GS, ST and BHT; the transaction set's count starts at ST.
    fn header(&mut self, c: &Checked<'_>) -> Controls {
        let ix = &c.ctx.interchange;
        let at = c.ctx.created_at;
        let isa13 = format!("{:09}", ix.control_number);
        let usage = match ix.usage {
            Usage::Test => "T",
            Usage::Production => "P",
        };
        let sender = x12_text(&ix.sender_id);
        let receiver = x12_text(&ix.receiver_id);
        self.seg(&[
            "ISA",
            "00",
            "          ",
            "00",
            "          ",
            &x12_text(&ix.sender_qualifier),
            &format!("{sender:<15}"),
            &x12_text(&ix.receiver_qualifier),
            &format!("{receiver:<15}"),
            &at.format("%y%m%d").to_string(),
            &at.format("%H%M").to_string(),
            "^",
            "00501",
            &isa13,
            "0",
            usage,
            ":",
        ]);
        let date = at.format("%Y%m%d").to_string();
        let time = at.format("%H%M").to_string();
        let gs06 = ix.group_control_number.to_string();
        self.seg(&[
            "GS", "HC", &sender, &receiver, &date, &time, &gs06, "X", VERSION,
        ]);
        let st02 = format!("{:04}", ix.transaction_set_control_number);
        self.in_set = 0;
        self.seg(&["ST", "837", &st02, VERSION]);
        let batch = x12_text(&c.id);
        self.seg(&["BHT", "0019", "00", &batch, &date, &time, "CH"]);
        Controls { isa13, gs06, st02 }
    }

    /// 1000A submitter, 1000B receiver.
    fn submitter_receiver(&mut self, c: &Checked<'_>) {
        let s = &c.ctx.submitter;
        self.nm1_org("41", &s.name, "46", &x12_text(&s.id));
        let mut per = vec!["PER".to_owned(), "IC".to_owned(), x12_text(&s.contact.name)];
        if let Some(p) = &c.parties.phone {
            per.extend(["TE".to_owned(), p.clone()]);
        }
        if let Some(e) = s
            .contact
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            per.extend(["EM".to_owned(), e.to_ascii_uppercase()]);
        }
        self.seg(&per.iter().map(String::as_str).collect::<Vec<_>>());
        let r = &c.ctx.receiver;
        self.nm1_org("40", &r.name, "46", &x12_text(&r.id));
    }

    /// 2000A billing provider, 2010AA.
    fn billing_provider(&mut self, c: &Checked<'_>) {
        self.seg(&["HL", "1", "", "20", "1"]);
        let bp = &c.ctx.billing_provider;
        if let Some(t) = &bp.taxonomy {
            self.seg(&["PRV", "BI", "PXC", &t.trim().to_ascii_uppercase()]);
        }
        let npi = c.parties.billing_npi.as_str();
        match &bp.name {
            ProviderName::Organization(n) => self.nm1_org("85", n, "XX", npi),
            ProviderName::Person(n) => self.nm1_person("85", n, "XX", npi),
        }
        self.address(&bp.address, &c.parties.billing_zip);
        match &c.parties.tax {
            TaxNumber::Ein(d) => self.seg(&["REF", "EI", d]),
            TaxNumber::Ssn(d) => self.seg(&["REF", "SY", d]),
        }
    }

    /// 2000B subscriber, 2010BA, 2010BB payer.
    fn subscriber(&mut self, c: &Checked<'_>, is_self: bool) {
        let ctx = c.ctx;
        self.seg(&["HL", "2", "1", "22", if is_self { "0" } else { "1" }]);
        let sub = &ctx.subscriber;
        let group = sub
            .group_number
            .as_deref()
            .map(x12_text)
            .unwrap_or_default();
        self.seg(&[
            "SBR",
            "P",
            if is_self { "18" } else { "" },
            &group,
            "",
            "",
            "",
            "",
            "",
            ctx.payer.claim_filing_indicator.as_str(),
        ]);
        self.nm1_person("IL", &sub.name, "MI", &x12_text(&sub.member_id));
        if is_self {
            self.address(&sub.address, &c.parties.subscriber_zip);
            self.dmg(sub.birth_date, sub.sex.as_str());
        }
        self.nm1_org("PR", &ctx.payer.name, "PI", &x12_text(&ctx.payer.id));
    }

    /// 2000C patient, 2010CA (a patient who is not the subscriber).
    fn patient(&mut self, c: &Checked<'_>) {
        let ctx = c.ctx;
        if let (Some(p), Some(zip)) = (&ctx.patient, &c.parties.patient_zip) {
            self.seg(&["HL", "3", "2", "23", "0"]);
            self.seg(&["PAT", ctx.relationship.code()]);
            self.nm1_person("QC", &p.name, "", "");
            self.address(&p.address, zip);
            self.dmg(p.birth_date, p.sex.as_str());
        }
    }

    /// DMG: birth date and sex.
    fn dmg(&mut self, birth_date: chrono::NaiveDate, sex: &str) {
        self.seg(&["DMG", "D8", &birth_date.format("%Y%m%d").to_string(), sex]);
    }

    /// One 2300 claim loop and its 2400 lines.
    fn claim(&mut self, c: &Checked<'_>, claim: &ClaimPart<'_, '_>) {
        let ctx = c.ctx;
        let freq = ctx.frequency.code();
        self.seg(&[
            "CLM",
            &x12_text(&claim.id),
            &plain_amount(claim.total),
            "",
            "",
            &format!("{}:B:{freq}", claim.pos.as_str()),
            "Y",
            "A",
            "Y",
            "Y",
        ]);
        if let Some(a) = &ctx.prior_authorization {
            self.seg(&["REF", "G1", &x12_text(a)]);
        }
        if ctx.frequency.resubmits() {
            let orig = ctx.original_claim_number.as_deref().unwrap_or_default();
            self.seg(&["REF", "F8", &x12_text(orig)]);
        }
        let mut hi = vec!["HI".to_owned()];
        for (i, d) in claim.diagnoses.iter().enumerate() {
            let q = if i == 0 { "ABK" } else { "ABF" };
            hi.push(format!("{q}:{}", d.as_str()));
        }
        self.seg(&hi.iter().map(String::as_str).collect::<Vec<_>>());
        if let (Some(r), Some(npi)) = (&ctx.rendering_provider, &c.parties.rendering_npi) {
            self.nm1_person("82", &r.name, "XX", npi.as_str());
            if let Some(t) = &r.taxonomy {
                self.seg(&["PRV", "PE", "PXC", &t.trim().to_ascii_uppercase()]);
            }
        }
        for (n, pl) in claim.lines.iter().enumerate() {
            self.line(n + 1, pl, claim.pos);
        }
    }

    /// One 2400 service line, numbered `n`; `claim_pos` is the claim's
    /// place of service (a line with another carries its own).
    fn line(&mut self, n: usize, pl: &PartLine<'_, '_>, claim_pos: Code) {
        let l = pl.claim;
        self.seg(&["LX", &n.to_string()]);
        let mut proc = format!("HC:{}", l.line.code.as_str());
        for m in &l.line.modifiers {
            proc.push(':');
            proc.push_str(m.as_str());
        }
        let line_pos = if l.pos == claim_pos {
            ""
        } else {
            l.pos.as_str()
        };
        let pointers = pl
            .pointers
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(":");
        self.seg(&[
            "SV1",
            &proc,
            &plain_amount(l.charge),
            "UN",
            &l.line.units.to_string(),
            line_pos,
            "",
            &pointers,
        ]);
        self.seg(&["DTP", "472", "D8", &l.date.format("%Y%m%d").to_string()]);
        let id = l.line.id.trim();
        if !id.is_empty()
            && id.len() <= 50
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'))
        {
            self.seg(&["REF", "6R", &x12_text(id)]);
        }
    }
}
