//! The list file formats kycore imports, mapped onto the screening engine's loaders: their
//! names on the command line and in storage, which files belong to one list, and format
//! detection from a file's name and first bytes.

use std::io::Read;
use std::path::{Path, PathBuf};

use kycore_screening::LoadedList;
use kycore_screening::lists::{
    ListError, bis_dpl, csl_csv, eu_uk_combined_csv, ofac_csv, ofac_xml, un_xml,
};

/// Bytes read to recognise a file by its content.
const SNIFF_BYTES: u64 = 4096;

/// A watchlist file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    /// OFAC SDN legacy CSV (`sdn.csv`, with `alt.csv`, `add.csv`, `sdn_comments.csv` beside it).
    OfacSdnCsv,
    /// OFAC Consolidated (non-SDN) legacy CSV (`cons_prim.csv` and its side files).
    OfacConsolidatedCsv,
    /// OFAC Enhanced XML, plain or zipped.
    OfacXml,
    /// UN Security Council Consolidated List XML.
    UnXml,
    /// US Consolidated Screening List CSV, plain or gzipped.
    CslCsv,
    /// BIS Denied Persons List (tab-separated).
    BisDpl,
    /// The FCA SanctionToolkit combined EU/UK/US CSV; only its EU and UK rows are loaded (the
    /// US rows repeat the OFAC lists). Its licence is unclear: tests and evaluation only.
    EuUkCsv,
}

impl ListFormat {
    pub const ALL: [ListFormat; 7] = [
        ListFormat::OfacSdnCsv,
        ListFormat::OfacConsolidatedCsv,
        ListFormat::OfacXml,
        ListFormat::UnXml,
        ListFormat::CslCsv,
        ListFormat::BisDpl,
        ListFormat::EuUkCsv,
    ];

    /// The name used on the command line and stored with each version.
    pub fn as_str(self) -> &'static str {
        match self {
            ListFormat::OfacSdnCsv => "ofac-sdn-csv",
            ListFormat::OfacConsolidatedCsv => "ofac-consolidated-csv",
            ListFormat::OfacXml => "ofac-xml",
            ListFormat::UnXml => "un-xml",
            ListFormat::CslCsv => "csl-csv",
            ListFormat::BisDpl => "bis-dpl",
            ListFormat::EuUkCsv => "eu-uk-csv",
        }
    }

    pub fn parse(raw: &str) -> Option<ListFormat> {
        ListFormat::ALL.into_iter().find(|f| f.as_str() == raw)
    }

    /// The list id a format's lists get unless the importer names one.
    pub fn default_list_id(self) -> &'static str {
        match self {
            ListFormat::OfacSdnCsv => "us_ofac_sdn",
            ListFormat::OfacConsolidatedCsv => "us_ofac_cons",
            ListFormat::OfacXml => "us_ofac",
            ListFormat::UnXml => "un_sc",
            ListFormat::CslCsv => "us_csl",
            ListFormat::BisDpl => "us_bis_dpl",
            ListFormat::EuUkCsv => "eu_uk_combined",
        }
    }

    /// The files that make up the list whose main file is `main`: OFAC's legacy CSVs keep
    /// aliases, addresses and remarks in side files next to it; every other format is one file.
    pub fn files(self, main: &Path) -> Vec<PathBuf> {
        let mut files = vec![main.to_path_buf()];
        if let Some(flavor) = self.ofac_flavor() {
            let side = ofac_csv::OfacPaths::in_dir(main.parent().unwrap_or(Path::new("")), flavor);
            files.extend(
                [side.alt, side.add, side.comments]
                    .into_iter()
                    .flatten()
                    .filter(|p| p != main),
            );
        }
        files
    }

    /// The names of the optional files that belong beside the main one: OFAC's legacy CSV
    /// side files; none for the other formats. A downloaded list fetches them from URLs beside
    /// the main file's.
    pub fn side_file_names(self) -> Vec<&'static str> {
        self.ofac_flavor()
            .map(|flavor| flavor.file_names()[1..].to_vec())
            .unwrap_or_default()
    }

    /// Parses the list whose main file is `main` with the engine's loader for this format.
    /// `version` stands in for formats whose files carry no version of their own.
    pub fn load(
        self,
        main: &Path,
        list_id: &str,
        version: Option<String>,
    ) -> Result<LoadedList, ListError> {
        let mut list = match self {
            ListFormat::OfacSdnCsv | ListFormat::OfacConsolidatedCsv => {
                ofac_csv::load(&self.ofac_paths(main), list_id, version.clone())?
            }
            ListFormat::OfacXml => ofac_xml::load(main, list_id)?,
            ListFormat::UnXml => un_xml::load(main, list_id)?,
            ListFormat::CslCsv => csl_csv::load(main, list_id, version.clone())?,
            ListFormat::BisDpl => bis_dpl::load(main, list_id)?,
            ListFormat::EuUkCsv => eu_uk_combined_csv::load(main, list_id, |list| {
                list == "EU" || list.starts_with("UK")
            })?,
        };
        if list.source.version.is_none() {
            list.source.version = version;
        }
        Ok(list)
    }

    /// Recognises a list file by its name, then by its first bytes.
    pub fn detect(path: &Path) -> Option<ListFormat> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        by_name(&name).or_else(|| by_content(&sniff(path).ok()?))
    }

    fn ofac_flavor(self) -> Option<ofac_csv::OfacFlavor> {
        match self {
            ListFormat::OfacSdnCsv => Some(ofac_csv::OfacFlavor::Sdn),
            ListFormat::OfacConsolidatedCsv => Some(ofac_csv::OfacFlavor::Consolidated),
            _ => None,
        }
    }

    fn ofac_paths(self, main: &Path) -> ofac_csv::OfacPaths {
        let flavor = self.ofac_flavor().unwrap_or(ofac_csv::OfacFlavor::Sdn);
        ofac_csv::OfacPaths {
            primary: main.to_path_buf(),
            ..ofac_csv::OfacPaths::in_dir(main.parent().unwrap_or(Path::new("")), flavor)
        }
    }
}

impl std::fmt::Display for ListFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn by_name(name: &str) -> Option<ListFormat> {
    let format = match name {
        "sdn.csv" => ListFormat::OfacSdnCsv,
        "cons_prim.csv" => ListFormat::OfacConsolidatedCsv,
        "un_consolidated.xml" | "consolidated.xml" => ListFormat::UnXml,
        "dpl.txt" => ListFormat::BisDpl,
        _ if name.ends_with(".csv.gz") => ListFormat::CslCsv,
        _ if name.ends_with(".zip") => ListFormat::OfacXml,
        _ => return None,
    };
    Some(format)
}

fn by_content(head: &str) -> Option<ListFormat> {
    let first_line = head.lines().next().unwrap_or("").to_ascii_lowercase();
    let format = if head.contains("<CONSOLIDATED_LIST") {
        ListFormat::UnXml
    } else if head.contains("sanctionsData") {
        ListFormat::OfacXml
    } else if first_line.contains("street_address") && first_line.contains('\t') {
        ListFormat::BisDpl
    } else if first_line.starts_with("_id,source") {
        ListFormat::CslCsv
    } else if first_line.contains("sanction_list") {
        ListFormat::EuUkCsv
    } else if first_line
        .split(',')
        .next()
        .is_some_and(|id| !id.is_empty() && id.trim().bytes().all(|b| b.is_ascii_digit()))
    {
        // OFAC's legacy CSVs have no header: each row starts with the numeric entry id.
        ListFormat::OfacSdnCsv
    } else {
        return None;
    };
    Some(format)
}

fn sniff(path: &Path) -> std::io::Result<String> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)?;
    Ok(String::from_utf8_lossy(&head).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in ListFormat::ALL {
            assert_eq!(ListFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(ListFormat::parse("pdf"), None);
        assert_eq!(
            ListFormat::OfacSdnCsv.side_file_names(),
            ["alt.csv", "add.csv", "sdn_comments.csv"]
        );
        assert!(ListFormat::UnXml.side_file_names().is_empty());
    }

    #[test]
    fn formats_are_recognised_by_name_and_content() {
        assert_eq!(by_name("sdn.csv"), Some(ListFormat::OfacSdnCsv));
        assert_eq!(by_name("consolidated.csv.gz"), Some(ListFormat::CslCsv));
        assert_eq!(by_name("list.csv"), None);
        assert_eq!(
            by_content("<?xml?>\n<CONSOLIDATED_LIST dateGenerated=\"x\">"),
            Some(ListFormat::UnXml)
        );
        assert_eq!(
            by_content("\"Name\"\t\"Street_Address\"\t\"City\"\n"),
            Some(ListFormat::BisDpl)
        );
        assert_eq!(
            by_content("surname,forename,full_name,sanction_list\n"),
            Some(ListFormat::EuUkCsv)
        );
        assert_eq!(
            by_content("9639,\"HANIYA, Ismail\",\"individual\"\n"),
            Some(ListFormat::OfacSdnCsv)
        );
        assert_eq!(by_content("hello,world\n"), None);
    }
}
