//! PDFs: complete, not polyglots, and without active content. A PDF with JavaScript, actions
//! that run by themselves, launch commands, Flash or XFA forms, or files attached to it is
//! refused (`pdf_active_content`, `pdf_embedded_file`), not flattened: flattening means
//! rewriting the document with a PDF library, a large attack surface of its own, and an
//! applicant can always send a scan or print the document to a new PDF.
//!
//! The check reads PDF syntax, not the object graph: it finds names (`/JavaScript`) after
//! undoing `#xx` escapes (`/J#61vaScript`), skipping strings, comments and streams' data
//! the way a lexer does. `/OpenAction` alone is allowed (most only open a page); one that
//! runs a script names `/JavaScript` and is refused for that. Objects can hide in three
//! places, each covered:
//!
//! - **object streams** (`/ObjStm`, PDF 1.5+) hold objects compressed: each is inflated
//!   (FlateDecode, or none) under a budget of [`MAX_INFLATED_BYTES`] for the whole file and
//!   read like the file itself. An object stream compressed otherwise (other filters,
//!   predictors), damaged, encrypted or over the budget cannot be checked, and the PDF is
//!   refused (`pdf_not_checkable`) rather than passed unread. A stream is taken for an
//!   object stream by `/Type /ObjStm` or by `/N` and `/First`, which readers go by.
//! - **strings and comments**: an object can be planted inside one and reached through the
//!   cross-reference table; their text is searched for every name too.
//! - **other streams' data** (images, fonts, page content) is binary, where a two-letter
//!   name such as `/JS` turns up by chance in about one 5 MB scan of fifty: it is searched
//!   only for the names long enough never to match by chance (`/JavaScript`, `/Launch`,
//!   `/EmbeddedFile`…; a script action must name `/JavaScript` as its type) and for the
//!   markers of an object stream, whose presence there (an object stream where only data
//!   should be) is refused as uncheckable.
//!
//! What is left is an object planted inside another stream's data that uses only the short
//! names (`/AA` opening a link); readers that find it would also need to trust a
//! cross-reference table pointing into stream data.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::ZlibDecoder;

use super::polyglot;
use super::{Place, Refusal};

/// A complete PDF ends with `%%EOF`, possibly followed by a few bytes of whitespace or junk.
const EOF_WINDOW: usize = 1024;
/// The most the object streams of one PDF may inflate to, all together: a 10 MiB PDF's
/// object streams hold a few MiB of text, a compression bomb many GiB.
pub(super) const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;

/// Names of active content: scripts, actions run on events, launching programs, Flash, XFA.
const ACTIVE_CONTENT: [&str; 6] = ["JavaScript", "JS", "AA", "Launch", "RichMedia", "XFA"];
/// Names of attached files: the embedded file streams, the document's list of them, and
/// the annotation that shows one on a page.
const EMBEDDED_FILES: [&str; 3] = ["EmbeddedFile", "EmbeddedFiles", "FileAttachment"];
/// Names too short to tell from chance bytes in binary data, matched only where the syntax
/// has names or text.
const SHORT_NAMES: [&str; 2] = ["JS", "AA"];
/// The names that make a stream an object stream.
const OBJECT_STREAM_MARKERS: [&str; 2] = ["ObjStm", "First"];

/// Refuses a PDF that is incomplete, also another format, or has active content.
pub(super) fn inspect(file: &[u8]) -> Result<(), Refusal> {
    let end = end_of_file(file)?;
    refuse_polyglot(file, end)?;
    refuse_active_content(file)
}

/// After the last `%%EOF`, which must lie in the file's last kilobyte: a truncated PDF, the
/// usual failure of an interrupted upload, lacks it.
fn end_of_file(file: &[u8]) -> Result<usize, Refusal> {
    let tail_start = file.len().saturating_sub(EOF_WINDOW);
    file.get(tail_start..)
        .and_then(|tail| tail.windows(5).rposition(|w| w == b"%%EOF"))
        .map(|at| tail_start + at + 5)
        .ok_or_else(|| {
            Refusal::new(
                "unreadable_pdf",
                "the PDF is incomplete: it does not end with %%EOF",
            )
        })
}

/// A PDF that is also an archive (by the ZIP directory at its end, or one appended after
/// its end) or a web page (markup in its first kilobyte).
fn refuse_polyglot(file: &[u8], end: usize) -> Result<(), Refusal> {
    let after_end = file.get(end..).unwrap_or_default();
    let found = polyglot::foreign_format_after_end(after_end)
        .map(|format| (format, Place::AfterEnd))
        .or_else(|| {
            polyglot::opens_as_another_format(file, b"%PDF-".len())
                .map(|format| (format, Place::Within))
        });
    match found {
        None => Ok(()),
        Some((format, place)) => Err(super::polyglot_refusal("PDF", format, place)),
    }
}

fn refuse_active_content(file: &[u8]) -> Result<(), Refusal> {
    let syntax = Findings::of_syntax(file);
    let anywhere = Findings::at_every_slash(file);
    refuse_forbidden(syntax.forbidden.or(anywhere.forbidden))?;
    if anywhere.object_stream_markers > syntax.object_stream_markers {
        return Err(not_checkable(
            "an object stream lies inside other data",
            syntax.encrypted,
        ));
    }
    let mut budget = MAX_INFLATED_BYTES;
    for stream in &syntax.object_streams {
        let objects = stream
            .objects(&mut budget)
            .map_err(|why| not_checkable(why, syntax.encrypted))?;
        let inner = Findings::of_syntax(&objects);
        refuse_forbidden(
            inner
                .forbidden
                .or(Findings::at_every_slash(&objects).forbidden),
        )?;
        if !inner.object_streams.is_empty() {
            return Err(not_checkable(
                "an object stream lies inside another",
                syntax.encrypted,
            ));
        }
    }
    Ok(())
}

/// A forbidden name, as found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Forbidden {
    name: &'static str,
    embedded_file: bool,
}

impl Forbidden {
    fn of(name: &[u8]) -> Option<Self> {
        let listed = |list: &[&'static str]| list.iter().copied().find(|n| n.as_bytes() == name);
        if let Some(found) = listed(&ACTIVE_CONTENT) {
            return Some(Forbidden {
                name: found,
                embedded_file: false,
            });
        }
        listed(&EMBEDDED_FILES).map(|found| Forbidden {
            name: found,
            embedded_file: true,
        })
    }

    fn is_short(self) -> bool {
        SHORT_NAMES.contains(&self.name)
    }
}

/// What a scan of PDF bytes found.
#[derive(Default)]
struct Findings<'a> {
    forbidden: Option<Forbidden>,
    /// `/ObjStm` and `/First` read as names.
    object_stream_markers: usize,
    object_streams: Vec<ObjectStream<'a>>,
    /// Whether the trailer names `/Encrypt`: strings and streams are then encrypted.
    encrypted: bool,
}

impl<'a> Findings<'a> {
    /// Names where the syntax has them, every name in strings and comments, and the object
    /// streams; streams' data skipped.
    fn of_syntax(bytes: &'a [u8]) -> Self {
        let mut findings = Findings::default();
        let mut lexer = Lexer { bytes, at: 0 };
        let mut dict_depth = 0_usize;
        let mut dict_start = 0;
        let mut dict_before: Option<&'a [u8]> = None;
        while let Some(token) = lexer.next_token() {
            let mut dict_closed = None;
            match token {
                Token::Name(name) => findings.note_syntax_name(&name),
                Token::Text(text) => {
                    for name in names_at_every_slash(text) {
                        findings.note_forbidden(Forbidden::of(&name));
                    }
                }
                Token::DictOpen => {
                    if dict_depth == 0 {
                        dict_start = lexer.at.saturating_sub(2);
                    }
                    dict_depth += 1;
                }
                Token::DictClose => {
                    dict_depth = dict_depth.saturating_sub(1);
                    if dict_depth == 0 {
                        dict_closed = bytes.get(dict_start..lexer.at);
                    }
                }
                Token::Other(b"stream") => {
                    let data = lexer.stream_data();
                    let dict = dict_before.map(StreamDict::read).unwrap_or_default();
                    if dict.object_stream {
                        findings.object_streams.push(ObjectStream { dict, data });
                    }
                }
                Token::Other(_) => {}
            }
            dict_before = dict_closed;
        }
        findings
    }

    /// Names read at every slash, whatever the syntax around it: what a reader sent into
    /// the middle of a string or a stream's data would read. Only the long forbidden names
    /// count here.
    fn at_every_slash(bytes: &[u8]) -> Findings<'static> {
        let mut findings = Findings::default();
        for name in names_at_every_slash(bytes) {
            findings.note_forbidden(Forbidden::of(&name).filter(|found| !found.is_short()));
            if is_object_stream_marker(&name) {
                findings.object_stream_markers += 1;
            }
        }
        findings
    }

    fn note_syntax_name(&mut self, name: &[u8]) {
        self.note_forbidden(Forbidden::of(name));
        if is_object_stream_marker(name) {
            self.object_stream_markers += 1;
        }
        self.encrypted |= name == b"Encrypt";
    }

    fn note_forbidden(&mut self, found: Option<Forbidden>) {
        if self.forbidden.is_none() {
            self.forbidden = found;
        }
    }
}

fn is_object_stream_marker(name: &[u8]) -> bool {
    OBJECT_STREAM_MARKERS
        .iter()
        .any(|marker| marker.as_bytes() == name)
}

/// An object stream: its dictionary, and its data as in the file.
struct ObjectStream<'a> {
    dict: StreamDict,
    data: &'a [u8],
}

impl ObjectStream<'_> {
    /// The objects in the stream, inflated within what is left of `budget`.
    fn objects(&self, budget: &mut u64) -> Result<Cow<'_, [u8]>, &'static str> {
        if self.dict.decode_parms {
            return Err("an object stream is compressed with parameters kycore does not apply");
        }
        match self.dict.filter {
            Filter::None => Ok(Cow::Borrowed(self.data)),
            Filter::Flate => inflate(self.data, budget).map(Cow::Owned),
            Filter::Other => {
                Err("an object stream is compressed with a method kycore does not decompress")
            }
        }
    }
}

/// zlib data inflated, refused past `budget` bytes (which it then shrinks by what it used).
/// Bytes after the end of the compressed data (the end of line before `endstream`) are
/// ignored, as readers do.
fn inflate(data: &[u8], budget: &mut u64) -> Result<Vec<u8>, &'static str> {
    let mut inflated = Vec::new();
    ZlibDecoder::new(data)
        .take(budget.saturating_add(1))
        .read_to_end(&mut inflated)
        .map_err(|_| "a compressed object stream is damaged")?;
    let used = inflated.len() as u64;
    if used > *budget {
        return Err("its compressed objects expand to more than kycore checks");
    }
    *budget -= used;
    Ok(inflated)
}

/// What the scan needs from a stream's dictionary.
#[derive(Default)]
struct StreamDict {
    object_stream: bool,
    filter: Filter,
    decode_parms: bool,
}

#[derive(Default, PartialEq, Eq)]
enum Filter {
    #[default]
    None,
    Flate,
    /// Another filter, a chain of filters, or one given by reference.
    Other,
}

impl StreamDict {
    fn read(dict: &[u8]) -> Self {
        let entries = entries(dict);
        let value = |key: &str| {
            entries
                .iter()
                .find(|(name, _)| name == key.as_bytes())
                .map(|(_, value)| value)
        };
        let type_is_object_stream =
            matches!(value("Type"), Some(Value::Name(name)) if name == b"ObjStm");
        let filter = match value("Filter") {
            None => Filter::None,
            Some(Value::Name(name)) => Filter::of(std::slice::from_ref(name)),
            Some(Value::Names(names)) => Filter::of(names),
            Some(Value::Other) => Filter::Other,
        };
        StreamDict {
            object_stream: type_is_object_stream
                || (value("N").is_some() && value("First").is_some()),
            filter,
            decode_parms: value("DecodeParms").is_some(),
        }
    }
}

impl Filter {
    fn of(names: &[Vec<u8>]) -> Self {
        match names {
            [] => Filter::None,
            [name] if name == b"FlateDecode" || name == b"Fl" => Filter::Flate,
            _ => Filter::Other,
        }
    }
}

/// A dictionary value, as far as the scan tells them apart.
enum Value {
    Name(Vec<u8>),
    /// An array of names only.
    Names(Vec<Vec<u8>>),
    Other,
}

/// The entries of a dictionary (`<< /Key value … >>`), its nested values read past.
fn entries(dict: &[u8]) -> Vec<(Vec<u8>, Value)> {
    let mut lexer = Lexer { bytes: dict, at: 0 };
    let mut entries = Vec::new();
    if !matches!(lexer.next_token(), Some(Token::DictOpen)) {
        return entries;
    }
    while let Some(token) = lexer.next_token() {
        match token {
            Token::Name(key) => {
                let value = lexer.value();
                entries.push((key, value));
            }
            Token::DictClose => break,
            _ => {} // not a key: malformed, read past
        }
    }
    entries
}

/// One piece of PDF syntax, as far as the scan tells them apart.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    /// A name, its `#xx` escapes undone.
    Name(Vec<u8>),
    DictOpen,
    DictClose,
    /// A string or a comment: text, not syntax.
    Text(&'a [u8]),
    /// A number, a keyword, a bracket.
    Other(&'a [u8]),
}

#[derive(Clone, Copy)]
struct Lexer<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    fn next_token(&mut self) -> Option<Token<'a>> {
        while self.bytes.get(self.at).copied().is_some_and(is_whitespace) {
            self.at += 1;
        }
        let start = self.at;
        let byte = *self.bytes.get(start)?;
        let doubled = self.bytes.get(start + 1) == Some(&byte);
        let end = match byte {
            b'%' => end_of_line(self.bytes, start),
            b'(' => literal_string_end(self.bytes, start),
            b'<' | b'>' if doubled => start + 2,
            b'<' => hex_string_end(self.bytes, start),
            b'/' => end_of_regular(self.bytes, start + 1),
            _ if is_delimiter(byte) => start + 1,
            _ => end_of_regular(self.bytes, start),
        };
        // Every token moves on by at least one byte, and never past the end.
        self.at = end.clamp(start + 1, self.bytes.len().max(start + 1));
        let lexeme = self.bytes.get(start..self.at).unwrap_or_default();
        Some(match byte {
            b'%' | b'(' => Token::Text(lexeme),
            b'<' if doubled => Token::DictOpen,
            b'>' if doubled => Token::DictClose,
            b'<' => Token::Text(lexeme),
            b'/' => Token::Name(decode_name(lexeme.get(1..).unwrap_or_default())),
            _ => Token::Other(lexeme),
        })
    }

    /// The data of a stream whose `stream` keyword was just read, up to `endstream` (or
    /// the end of the bytes); the lexer continues after it. The first `endstream` is taken
    /// whatever the stream's `/Length` says: a shorter `/Length` would leave the rest to be
    /// read as syntax, which the search at every slash covers.
    fn stream_data(&mut self) -> &'a [u8] {
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        let eol = match rest {
            [b'\r', b'\n', ..] => 2,
            [b'\n' | b'\r', ..] => 1,
            _ => 0,
        };
        let data = rest.get(eol..).unwrap_or_default();
        let length = polyglot::find(data, b"endstream").unwrap_or(data.len());
        self.at += eol + length + b"endstream".len();
        data.get(..length).unwrap_or_default()
    }

    /// Reads past one value: a name, an array of names, or anything else (a number or a
    /// reference `12 0 R`, a string, a nested array or dictionary).
    fn value(&mut self) -> Value {
        match self.next_token() {
            Some(Token::Name(name)) => Value::Name(name),
            Some(Token::Other(b"[")) => self.array(),
            Some(Token::DictOpen) => {
                self.skip_nested(1);
                Value::Other
            }
            Some(Token::Other(_)) => {
                // A reference is three tokens: `12 0 R`.
                let mut ahead = *self;
                if let (Some(Token::Other(_)), Some(Token::Other(b"R"))) =
                    (ahead.next_token(), ahead.next_token())
                {
                    *self = ahead;
                }
                Value::Other
            }
            _ => Value::Other,
        }
    }

    fn array(&mut self) -> Value {
        let mut names = Vec::new();
        let mut only_names = true;
        while let Some(token) = self.next_token() {
            match token {
                Token::Other(b"]") => break,
                Token::Name(name) => names.push(name),
                Token::Other(b"[") | Token::DictOpen => {
                    only_names = false;
                    self.skip_nested(1);
                }
                _ => only_names = false,
            }
        }
        if only_names {
            Value::Names(names)
        } else {
            Value::Other
        }
    }

    /// Reads past the rest of `depth` open arrays and dictionaries.
    fn skip_nested(&mut self, mut depth: usize) {
        while depth > 0 {
            match self.next_token() {
                None => return,
                Some(Token::Other(b"[") | Token::DictOpen) => depth += 1,
                Some(Token::Other(b"]") | Token::DictClose) => depth -= 1,
                Some(_) => {}
            }
        }
    }
}

/// PDF's whitespace: these bytes separate tokens.
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

/// PDF's delimiters: these bytes end a name or a keyword and start something else.
fn is_delimiter(byte: u8) -> bool {
    matches!(
        byte,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(byte: u8) -> bool {
    !is_whitespace(byte) && !is_delimiter(byte)
}

fn end_of_regular(bytes: &[u8], start: usize) -> usize {
    bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| !is_regular(b)))
        .map_or(bytes.len(), |length| start + length)
}

fn end_of_line(bytes: &[u8], start: usize) -> usize {
    bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n' || b == b'\r'))
        .map_or(bytes.len(), |length| start + length)
}

/// After the `)` that closes the literal string opening at `start`: parentheses nest, and a
/// backslash escapes the byte after it.
fn literal_string_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0_usize;
    let mut at = start;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

fn hex_string_end(bytes: &[u8], start: usize) -> usize {
    bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| b == b'>'))
        .map_or(bytes.len(), |length| start + length + 1)
}

/// A name's characters (after its slash) with `#xx` escapes undone: PDF readers undo them,
/// so `/J#61vaScript` is `/JavaScript` to them.
fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut name = Vec::with_capacity(raw.len());
    let mut at = 0;
    while let Some(&byte) = raw.get(at) {
        let escaped = match (byte, raw.get(at + 1..at + 3)) {
            (b'#', Some(&[high, low])) => hex_digit(high)
                .zip(hex_digit(low))
                .map(|(high, low)| high * 16 + low),
            _ => None,
        };
        match escaped {
            Some(decoded) => {
                name.push(decoded);
                at += 3;
            }
            None => {
                name.push(byte);
                at += 1;
            }
        }
    }
    name
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// The name at every slash in `bytes`.
fn names_at_every_slash(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'/')
        .map(|(at, _)| {
            let raw = bytes.get(at + 1..end_of_regular(bytes, at + 1));
            decode_name(raw.unwrap_or_default())
        })
}

fn refuse_forbidden(found: Option<Forbidden>) -> Result<(), Refusal> {
    match found {
        None => Ok(()),
        Some(Forbidden {
            name,
            embedded_file: true,
        }) => Err(Refusal::new(
            "pdf_embedded_file",
            format!(
                "the PDF has files attached to it (/{name}); send the document on its own, \
                 without attachments"
            ),
        )),
        Some(Forbidden { name, .. }) => Err(Refusal::new(
            "pdf_active_content",
            format!(
                "the PDF contains active content (/{name}: a script or an action that runs by \
                 itself); send a scan or photo, or print the document to a new PDF"
            ),
        )),
    }
}

fn not_checkable(why: &str, encrypted: bool) -> Refusal {
    let message = if encrypted {
        "the PDF is encrypted, so its content cannot be checked; save it again without \
         protection (print it to a new PDF) or send a scan or photo"
            .to_owned()
    } else {
        format!(
            "the PDF's content cannot be checked ({why}); print it to a new PDF or send a scan \
             or photo"
        )
    };
    Refusal::new("pdf_not_checkable", message)
}
