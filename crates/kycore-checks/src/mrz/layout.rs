//! Input hygiene and the geometry of the five MRZ layouts.
//!
//! Everything here runs before the `mrz` crate sees the text, so that the
//! crate only ever receives lines of the right length over the MRZ alphabet:
//! garbage is refused here with a precise error instead of deep in a parser.

use std::ops::Range;

use serde::Serialize;

use super::MrzError;

/// No MRZ is longer than 3×30 or 2×44 characters; anything past this bound
/// is refused before any per-character work.
const MAX_TEXT_BYTES: usize = 512;

/// The five ICAO 9303 machine-readable layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MrzFormat {
    /// ID card size: 3 lines of 30.
    #[serde(rename = "TD1")]
    Td1,
    /// Larger card: 2 lines of 36.
    #[serde(rename = "TD2")]
    Td2,
    /// Passport book: 2 lines of 44.
    #[serde(rename = "TD3")]
    Td3,
    /// Full-size visa: 2 lines of 44.
    #[serde(rename = "MRV-A")]
    MrvA,
    /// Small visa: 2 lines of 36.
    #[serde(rename = "MRV-B")]
    MrvB,
}

/// Where a field sits: a 0-based line and a character range on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cell {
    pub line: usize,
    pub range: Range<usize>,
}

const fn cell(line: usize, start: usize, end: usize) -> Cell {
    Cell {
        line,
        range: start..end,
    }
}

/// The fields our rules read directly from the zone text.
pub(super) struct Geometry {
    pub name: Cell,
    pub issuing_state: Cell,
    pub nationality: Cell,
    pub sex: Cell,
}

impl MrzFormat {
    /// The format's name as Doc 9303 writes it (and as it is serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Td1 => "TD1",
            Self::Td2 => "TD2",
            Self::Td3 => "TD3",
            Self::MrvA => "MRV-A",
            Self::MrvB => "MRV-B",
        }
    }

    pub(super) fn geometry(self) -> Geometry {
        match self {
            Self::Td1 => Geometry {
                name: cell(2, 0, 30),
                issuing_state: cell(0, 2, 5),
                nationality: cell(1, 15, 18),
                sex: cell(1, 7, 8),
            },
            Self::Td2 | Self::MrvB => Geometry {
                name: cell(0, 5, 36),
                issuing_state: cell(0, 2, 5),
                nationality: cell(1, 10, 13),
                sex: cell(1, 20, 21),
            },
            Self::Td3 | Self::MrvA => Geometry {
                name: cell(0, 5, 44),
                issuing_state: cell(0, 2, 5),
                nationality: cell(1, 10, 13),
                sex: cell(1, 20, 21),
            },
        }
    }

    /// Fields whose content no check digit covers.
    pub(super) fn unverified_fields(self) -> &'static [&'static str] {
        match self {
            Self::MrvA | Self::MrvB => &[
                "document_code",
                "issuing_state",
                "surname",
                "given_names",
                "nationality",
                "sex",
                "optional_data",
            ],
            _ => &[
                "document_code",
                "issuing_state",
                "surname",
                "given_names",
                "nationality",
                "sex",
            ],
        }
    }

    fn detect(lines: &[String]) -> Result<Self, MrzError> {
        let lengths: Vec<usize> = lines.iter().map(String::len).collect();
        let is_visa = lines.first().is_some_and(|line| line.starts_with('V'));
        match (lengths.as_slice(), is_visa) {
            ([30, 30, 30], _) => Ok(Self::Td1),
            ([36, 36], false) => Ok(Self::Td2),
            ([36, 36], true) => Ok(Self::MrvB),
            ([44, 44], false) => Ok(Self::Td3),
            ([44, 44], true) => Ok(Self::MrvA),
            _ => Err(MrzError::UnrecognisedLayout(lengths)),
        }
    }
}

/// A zone that passed input hygiene: known layout, MRZ alphabet only.
pub(super) struct Zone {
    pub format: MrzFormat,
    pub lines: Vec<String>,
}

impl Zone {
    pub fn read(text: &str) -> Result<Self, MrzError> {
        if text.len() > MAX_TEXT_BYTES {
            return Err(MrzError::TooLong(text.len()));
        }
        let lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        if lines.is_empty() {
            return Err(MrzError::Empty);
        }
        check_alphabet(&lines)?;
        let format = MrzFormat::detect(&lines)?;
        Ok(Self { format, lines })
    }

    /// The text of a cell. Safe to slice: lines are ASCII of a known length.
    pub fn text(&self, cell: &Cell) -> &str {
        self.lines
            .get(cell.line)
            .and_then(|line| line.get(cell.range.clone()))
            .unwrap_or_default()
    }

    pub fn parse_with_crate(&self) -> Result<::mrz::MrzData, MrzError> {
        let line = |i: usize| self.lines.get(i).map(String::as_str).unwrap_or_default();
        let parsed = match self.format {
            MrzFormat::Td1 => ::mrz::parse_td1(line(0), line(1), line(2)),
            MrzFormat::Td2 => ::mrz::parse_td2(line(0), line(1)),
            MrzFormat::Td3 => ::mrz::parse_td3(line(0), line(1)),
            MrzFormat::MrvA => ::mrz::parse_mrv_a(line(0), line(1)),
            MrzFormat::MrvB => ::mrz::parse_mrv_b(line(0), line(1)),
        };
        parsed.map_err(map_crate_error)
    }
}

fn check_alphabet(lines: &[String]) -> Result<(), MrzError> {
    for (line_index, line) in lines.iter().enumerate() {
        let bad = line
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<'));
        if let Some((column, character)) = bad {
            return Err(MrzError::InvalidCharacter {
                line: line_index + 1,
                column: column + 1,
                character,
            });
        }
    }
    Ok(())
}

fn map_crate_error(error: ::mrz::MrzError) -> MrzError {
    match error {
        ::mrz::MrzError::BadDocumentCode(code) => MrzError::UnsupportedDocumentCode(code),
        ::mrz::MrzError::LeadingFiller { field, .. } => MrzError::LeadingFiller(field.as_str()),
        other => MrzError::Unparseable(other.to_string()),
    }
}
