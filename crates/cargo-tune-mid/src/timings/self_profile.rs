//! What rustc's `-Z self-profile` recorded about macro expansion, read from its
//! `.mm_profdata` file.
//!
//! The file is measureme's paged format, version 9 (rustc 1.95 and nightly 1.97 write it): an
//! 8-byte header (`MMPD`, the version as a little-endian `u32`), then pages, each a tag byte
//! (0 events, 1 string data, 2 string index), a `u32` length and that many bytes. The pages of
//! one tag, joined, form a stream that starts with a header of its own (`MMES`, `MMSD`, `MMSI`).
//! Events are 32 bytes: the kind and the id as string ids (`u64`), the thread (`u32`), and two
//! 48-bit nanosecond timestamps split over three `u32`s. A string is a list of UTF-8 pieces and
//! references (`0xFE` and an 8-byte id) ended by `0xFF`; ids up to 100,000,001 are virtual and
//! found through the index, higher ones are offsets into the string data. An event id reads
//! `label`, then each argument after a `0x1E`.
//!
//! Only what the macro cost needs is decoded: the intervals of a few labels, with their first
//! argument (the macro, when rustc was asked for `-Z self-profile-events=…,args`).

use std::collections::{BTreeMap, HashMap};

/// The only file format version this reader knows.
pub const FORMAT_VERSION: u32 = 9;

const HEADER: usize = 8;
const EVENT_SIZE: usize = 32;
const METADATA_STRING_ID: u64 = 100_000_001;
const FIRST_REGULAR_STRING_ID: u64 = METADATA_STRING_ID + 2;
const TERMINATOR: u8 = 0xFF;
const STRING_REF: u8 = 0xFE;
const SEPARATOR: char = '\x1E';
/// End values that mark an instant or an integer event rather than an interval.
const INSTANT_OR_INTEGER: u64 = 0xFFFF_FFFF_FFFF - 1;

/// Why a profile could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// Not a measureme file.
    #[error("it is not a measureme profile (no `MMPD` header)")]
    NotAProfile,
    /// Another format version.
    #[error(
        "it is in measureme's file format {0}, and cargo-tune reads format {FORMAT_VERSION} (rustc 1.95 to 1.97)"
    )]
    Version(u32),
    /// Cut short or inconsistent.
    #[error("it is damaged: {0}")]
    Damaged(&'static str),
}

/// The time spent in intervals of one label, by their first argument.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelTimes {
    /// Nanoseconds and count per first argument (empty when it had none).
    pub by_arg: BTreeMap<String, (u64, u64)>,
}

impl LabelTimes {
    /// Nanoseconds over every interval.
    pub fn total_ns(&self) -> u64 {
        self.by_arg.values().map(|(ns, _)| ns).sum()
    }
}

/// Intervals of the labels asked for, by label.
pub type Intervals = BTreeMap<String, LabelTimes>;

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// The three streams of a file, each with its own header checked.
struct Streams {
    events: Vec<u8>,
    strings: Vec<u8>,
    index: HashMap<u64, u64>,
}

fn check_header(bytes: &[u8], magic: &[u8; 4]) -> Result<(), ProfileError> {
    if bytes.get(..4) != Some(magic.as_slice()) {
        return Err(if magic == b"MMPD" {
            ProfileError::NotAProfile
        } else {
            ProfileError::Damaged("a stream does not start with its header")
        });
    }
    match u32_at(bytes, 4) {
        Some(FORMAT_VERSION) => Ok(()),
        Some(v) => Err(ProfileError::Version(v)),
        None => Err(ProfileError::Damaged("the header is cut short")),
    }
}

fn streams(file: &[u8]) -> Result<Streams, ProfileError> {
    check_header(file, b"MMPD")?;
    let (mut events, mut strings, mut index) = (Vec::new(), Vec::new(), Vec::new());
    let mut at = HEADER;
    while at < file.len() {
        let tag = file[at];
        let len =
            u32_at(file, at + 1).ok_or(ProfileError::Damaged("a page is cut short"))? as usize;
        let page = file
            .get(at + 5..at + 5 + len)
            .ok_or(ProfileError::Damaged("a page is cut short"))?;
        match tag {
            0 => events.extend_from_slice(page),
            1 => strings.extend_from_slice(page),
            2 => index.extend_from_slice(page),
            _ => return Err(ProfileError::Damaged("a page has an unknown tag")),
        }
        at += 5 + len;
    }
    check_header(&events, b"MMES")?;
    check_header(&strings, b"MMSD")?;
    check_header(&index, b"MMSI")?;
    let entries = &index[HEADER..];
    if entries.len() % 16 != 0 {
        return Err(ProfileError::Damaged("the string index is cut short"));
    }
    let index = entries
        .chunks_exact(16)
        .filter_map(|e| Some((u64_at(e, 0)?, u64_at(e, 8)?)))
        .collect();
    Ok(Streams {
        events,
        strings,
        index,
    })
}

impl Streams {
    /// The text of string `id`, or `None` when it cannot be found.
    fn string(&self, id: u64, depth: usize) -> Option<String> {
        // References nest only a few levels; a cycle would be a damaged file.
        if depth > 64 {
            return None;
        }
        let addr = if id <= METADATA_STRING_ID {
            *self.index.get(&id)?
        } else {
            id.checked_sub(FIRST_REGULAR_STRING_ID)?
        };
        let mut at = usize::try_from(addr).ok()?;
        let mut out = String::new();
        loop {
            match *self.strings.get(at)? {
                TERMINATOR => return Some(out),
                STRING_REF => {
                    out.push_str(&self.string(u64_at(&self.strings, at + 1)?, depth + 1)?);
                    at += 9;
                }
                _ => {
                    let rest = &self.strings[at..];
                    let len = rest
                        .iter()
                        .position(|b| *b == TERMINATOR || *b == STRING_REF)?;
                    out.push_str(&String::from_utf8_lossy(&rest[..len]));
                    at += len;
                }
            }
        }
    }
}

/// The intervals whose label is one of `labels`, summed by label and first argument.
pub fn intervals(file: &[u8], labels: &[&str]) -> Result<Intervals, ProfileError> {
    let s = streams(file)?;
    let body = &s.events[HEADER..];
    if body.len() % EVENT_SIZE != 0 {
        return Err(ProfileError::Damaged("the event stream is cut short"));
    }
    // Event ids repeat (one per query key, per macro invocation site): each is read once.
    let mut names: HashMap<u64, Option<(String, String)>> = HashMap::new();
    let mut out = Intervals::new();
    for event in body.chunks_exact(EVENT_SIZE) {
        let (Some(id), Some(p1), Some(p2), Some(upper)) = (
            u64_at(event, 8),
            u32_at(event, 20),
            u32_at(event, 24),
            u32_at(event, 28),
        ) else {
            continue;
        };
        let start = u64::from(p1) | (u64::from(upper & 0xFFFF_0000) << 16);
        let end = u64::from(p2) | (u64::from(upper & 0x0000_FFFF) << 32);
        if end >= INSTANT_OR_INTEGER || end < start {
            continue;
        }
        let name = names.entry(id).or_insert_with(|| {
            let text = s.string(id, 0)?;
            let mut parts = text.split(SEPARATOR);
            let label = parts.next()?;
            labels
                .contains(&label)
                .then(|| (label.to_owned(), parts.next().unwrap_or("").to_owned()))
        });
        if let Some((label, arg)) = name {
            let slot = out
                .entry(label.clone())
                .or_default()
                .by_arg
                .entry(arg.clone())
                .or_default();
            slot.0 += end - start;
            slot.1 += 1;
        }
    }
    Ok(out)
}

/// The crate a profile file is of: rustc names it `<crate>-<pid>.mm_profdata`.
pub fn crate_of_file(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".mm_profdata")?;
    let (krate, pid) = stem.rsplit_once('-')?;
    pid.bytes().all(|b| b.is_ascii_digit()).then_some(krate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file written the way measureme writes one: `strings` at their addresses, `index`
    /// mapping virtual ids, and events `(id, start, end)`; pages of at most `page` bytes.
    fn file(
        strings: &[&[u8]],
        index: &[(u64, u64)],
        events: &[(u64, u64, u64)],
        page: usize,
    ) -> (Vec<u8>, Vec<u64>) {
        let mut data = b"MMSD\x09\0\0\0".to_vec();
        let mut ids = Vec::new();
        for s in strings {
            ids.push(data.len() as u64 + FIRST_REGULAR_STRING_ID);
            data.extend_from_slice(s);
        }
        let mut idx = b"MMSI\x09\0\0\0".to_vec();
        for (id, addr) in index {
            idx.extend_from_slice(&id.to_le_bytes());
            idx.extend_from_slice(&addr.to_le_bytes());
        }
        let mut ev = b"MMES\x09\0\0\0".to_vec();
        for (id, start, end) in events {
            ev.extend_from_slice(&0u64.to_le_bytes());
            ev.extend_from_slice(&id.to_le_bytes());
            ev.extend_from_slice(&1u32.to_le_bytes());
            ev.extend_from_slice(&(*start as u32).to_le_bytes());
            ev.extend_from_slice(&(*end as u32).to_le_bytes());
            let upper = (((start >> 16) as u32) & 0xFFFF_0000) | ((end >> 32) as u32);
            ev.extend_from_slice(&upper.to_le_bytes());
        }
        let mut out = b"MMPD\x09\0\0\0".to_vec();
        // Streams interleave page by page, as several sinks flush into one file.
        let streams = [(0u8, ev), (1, data), (2, idx)];
        let mut offsets = [0usize; 3];
        loop {
            let mut wrote = false;
            for (i, (tag, bytes)) in streams.iter().enumerate() {
                let chunk = &bytes[offsets[i]..(offsets[i] + page).min(bytes.len())];
                if !chunk.is_empty() {
                    out.push(*tag);
                    out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
                    out.extend_from_slice(chunk);
                    offsets[i] += chunk.len();
                    wrote = true;
                }
            }
            if !wrote {
                break;
            }
        }
        (out, ids)
    }

    #[test]
    fn intervals_are_summed_by_label_and_first_argument_across_pages_and_references() {
        let strings: Vec<&[u8]> = vec![b"expand_proc_macro\xFF", b"#[derive(Serialize)]\xFF"];
        // Addresses are known once the data stream is laid out: label at 8, macro at 26.
        let label = FIRST_REGULAR_STRING_ID + 8;
        let arg = FIRST_REGULAR_STRING_ID + 8 + 18;
        let mut composite = vec![STRING_REF];
        composite.extend_from_slice(&label.to_le_bytes());
        composite.push(0x1E);
        composite.push(STRING_REF);
        composite.extend_from_slice(&arg.to_le_bytes());
        composite.extend_from_slice(b"\x1Esrc/lib.rs:1:10: 1:19\xFF");
        let mut other = b"typeck".to_vec();
        other.push(TERMINATOR);
        let mut all = strings.clone();
        all.push(&composite);
        all.push(&other);
        // A virtual id (as rustc gives query invocations) mapped to the composite string.
        let (_, ids) = file(&all, &[], &[], 7);
        let composite_addr = ids[2] - FIRST_REGULAR_STRING_ID;
        let big = (1u64 << 40) + 5;
        let (bytes, ids) = file(
            &all,
            &[(42, composite_addr)],
            &[
                (ids[2], 100, 350),
                (42, big, big + 1_000),
                (ids[3], 0, 5_000),
                // An instant event is not an interval.
                (ids[2], 7, 0xFFFF_FFFF_FFFF),
            ],
            7,
        );
        assert_eq!(ids[2] - FIRST_REGULAR_STRING_ID, composite_addr);
        let got = intervals(&bytes, &["expand_proc_macro"]).unwrap();
        let times = &got["expand_proc_macro"];
        assert_eq!(times.by_arg["#[derive(Serialize)]"], (1_250, 2));
        assert_eq!(times.total_ns(), 1_250);
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn other_versions_and_other_files_are_refused_by_name() {
        let (mut bytes, _) = file(&[], &[], &[], 64);
        bytes[4] = 8;
        assert_eq!(intervals(&bytes, &[]), Err(ProfileError::Version(8)));
        assert_eq!(
            intervals(b"not a profile", &[]),
            Err(ProfileError::NotAProfile)
        );
        let (bytes, _) = file(&[], &[], &[], 64);
        assert_eq!(
            intervals(&bytes[..bytes.len() - 3], &[]),
            Err(ProfileError::Damaged("a page is cut short"))
        );
    }

    #[test]
    fn the_crate_is_read_from_the_file_name() {
        assert_eq!(crate_of_file("app1-0014246.mm_profdata"), Some("app1"));
        assert_eq!(
            crate_of_file("build_script_build-0021205.mm_profdata"),
            Some("build_script_build")
        );
        assert_eq!(crate_of_file("app1.mm_profdata"), None);
        assert_eq!(crate_of_file("app1-0014246.json"), None);
    }
}
