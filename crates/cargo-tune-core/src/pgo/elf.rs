//! Section names of an ELF file: enough to tell whether a binary kept its symbols and
//! relocations (what BOLT needs) and whether BOLT rewrote it. 64-bit little-endian only, the
//! only layout BOLT handles.

use std::path::Path;

/// The section names of the ELF file at `path`; `None` when it is not a 64-bit little-endian
/// ELF file or its headers are out of bounds.
pub fn section_names(path: &Path) -> std::io::Result<Option<Vec<String>>> {
    Ok(parse(&std::fs::read(path)?))
}

fn parse(bytes: &[u8]) -> Option<Vec<String>> {
    if bytes.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let u16_at = |o: usize| Some(u16::from_le_bytes(bytes.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(bytes.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(bytes.get(o..o + 8)?.try_into().ok()?));
    let shoff = usize::try_from(u64_at(0x28)?).ok()?;
    let shentsize = usize::from(u16_at(0x3a)?);
    let shnum = usize::from(u16_at(0x3c)?);
    let shstrndx = usize::from(u16_at(0x3e)?);
    if shentsize < 0x40 || shstrndx >= shnum {
        return None;
    }
    let header = |i: usize| shoff.checked_add(i.checked_mul(shentsize)?);
    let strtab = header(shstrndx)?;
    let str_off = usize::try_from(u64_at(strtab + 0x18)?).ok()?;
    let str_size = usize::try_from(u64_at(strtab + 0x20)?).ok()?;
    let names = bytes.get(str_off..str_off.checked_add(str_size)?)?;
    let mut out = Vec::with_capacity(shnum);
    for i in 0..shnum {
        let name = usize::try_from(u32_at(header(i)?)?).ok()?;
        let rest = names.get(name..)?;
        let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
        out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sections_of_a_real_binary_and_rejects_other_files() {
        let names = section_names(&std::env::current_exe().unwrap())
            .unwrap()
            .expect("the test binary is ELF64");
        assert!(names.iter().any(|n| n == ".text"), "{names:?}");
        assert!(names.iter().any(|n| n == ".symtab"), "{names:?}");
        assert_eq!(parse(b"#!/bin/sh\n"), None);
        assert_eq!(parse(b"\x7fELF\x02\x01\0\0"), None);
    }
}
