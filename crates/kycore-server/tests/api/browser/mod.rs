//! Browser tests: the hosted pages as an applicant's phone shows them.
//!
//! [`Browser::launch`] starts `chromedriver` and headless Chromium (Debian's `chromium` and
//! `chromium-driver`) and drives them over WebDriver with fantoccini. [`Browser::step`] saves
//! a screenshot to `target/browser-artifacts/<module>.<test>/NN-<label>.png` and checks the
//! page with axe-core (WCAG 2.1 A/AA and best practices); a violation fails the test.
//!
//! Without Chromium, `launch` returns `None` and the test skips; `KYCORE_REQUIRE_BROWSER=1`
//! (set by CI) makes that a failure instead. `KYCORE_CHROMIUM` and `KYCORE_CHROMEDRIVER`
//! name other binaries, `KYCORE_AXE_JS` another `axe.min.js` (by default the one `npm ci` puts
//! in `tests/browser-support/node_modules`; `scripts/test` runs it). At most two browsers run
//! at once across the tests, and every browser command fails its test after
//! [`STEP_TIMEOUT`] rather than hanging.

mod branding;
mod console;
mod dialects;
mod own_links;
mod portal;
mod reading;
mod second_pass;
mod smoke;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use kycore_store::testing::TestDatabase;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::helpers::TestApp;

/// How long one browser command (a page load, a click, an axe run) may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// A server over a fresh SQLite database: the browser tests need no second backend. The
/// database lives as long as it is held.
pub async fn sqlite_app() -> (TestApp, TestDatabase) {
    let db = TestDatabase::sqlite();
    (TestApp::spawn(&db).await, db)
}

/// How a browser presents itself. The default is a phone: 390×844 CSS pixels, in English.
/// A screen narrower than 768 px is a phone's: touch, and the page's `viewport` meta tag
/// applies (a page without one is laid out 980 px wide, as on a real phone).
#[derive(Clone, Debug)]
pub struct BrowserOptions {
    pub width: u32,
    pub height: u32,
    /// The UI language (`--lang`), also sent as `Accept-Language`.
    pub lang: &'static str,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        BrowserOptions {
            width: 390,
            height: 844,
            lang: "en-US",
        }
    }
}

/// One headless Chromium with its own profile (cookies, storage), driven through its own
/// chromedriver. Dropping it kills both.
pub struct Browser {
    client: Client,
    /// `<module>.<test>`, naming the artifacts directory.
    test: String,
    _driver: Driver,
    _profile: tempfile::TempDir,
    _permit: SemaphorePermit<'static>,
}

/// At most this many browsers at once: the machine has two cores.
static BROWSERS: Semaphore = Semaphore::const_new(2);

thread_local! {
    /// Browsers alive in the current test (each test runs on its own thread).
    static HELD: Cell<usize> = const { Cell::new(0) };
}

impl Browser {
    /// A browser, or `None` (after saying so) when Chromium is not installed.
    pub async fn launch(options: BrowserOptions) -> Option<Browser> {
        let tools = tools()?;
        assert_eq!(
            HELD.get(),
            0,
            "a test that needs two browsers must launch them together with Browser::launch_two: \
             waiting for a second permit while holding one can deadlock"
        );
        let permit = BROWSERS.acquire().await.unwrap();
        Some(Browser::start(tools, options, permit).await)
    }

    /// Two independent browsers — separate profiles, so separate cookies — as when an
    /// applicant moves to another device.
    pub async fn launch_two(
        first: BrowserOptions,
        second: BrowserOptions,
    ) -> Option<(Browser, Browser)> {
        let tools = tools()?;
        assert_eq!(HELD.get(), 0, "launch_two while a browser is already held");
        let mut permits = BROWSERS.acquire_many(2).await.unwrap();
        let one = permits.split(1).unwrap();
        let first = Browser::start(tools, first, one).await;
        let second = Browser::start(tools, second, permits).await;
        Some((first, second))
    }

    async fn start(
        tools: &'static Tools,
        options: BrowserOptions,
        permit: SemaphorePermit<'static>,
    ) -> Browser {
        HELD.set(HELD.get() + 1);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        // Its own process group, so that dropping the browser can kill Chromium with it.
        let process = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", tools.chromedriver.display()));
        let mut driver = Driver {
            process,
            port,
            session: None,
        };
        driver.wait_until_ready().await;

        let profile = tempfile::tempdir().unwrap();
        let BrowserOptions {
            width,
            height,
            lang,
        } = options;
        let mobile = width < 768;
        let capabilities = json!({
            "browserName": "chrome",
            "timeouts": {"script": 30_000, "pageLoad": 30_000, "implicit": 0},
            "goog:chromeOptions": {
                "binary": tools.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", format!("--lang={lang}"),
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {"intl.accept_languages": lang},
                // Chromium's windows are at least 500 px wide; the emulated screen is exact.
                "mobileEmulation": {"deviceMetrics": {
                    "width": width, "height": height, "pixelRatio": 1,
                    "mobile": mobile, "touch": mobile,
                }},
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = within(
            "starting Chromium",
            ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities)
                .connect(&driver.url()),
        )
        .await;
        driver.session = within("reading the session id", client.session_id()).await;
        Browser {
            client,
            test: test_name(),
            _driver: driver,
            _profile: profile,
            _permit: permit,
        }
    }

    pub async fn goto(&self, url: &str) {
        within(format!("opening {url}"), self.client.goto(url)).await;
    }

    pub async fn current_url(&self) -> String {
        within("reading the URL", self.client.current_url())
            .await
            .to_string()
    }

    /// Runs `js` in the page and returns what it returns.
    pub async fn script(&self, js: &str) -> Value {
        within(format!("running {js}"), self.client.execute(js, vec![])).await
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        within(
            format!("finding {css}"),
            self.client.find(Locator::Css(css)),
        )
        .await
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        within(format!("reading {css}"), self.find(css).await.text()).await
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.text_of("body").await
    }

    /// Types `value` into the field named `field` (or matching it as CSS). Date, time and
    /// similar inputs get the value set directly, as their picker would: Chromium types into
    /// them segment by segment in the UI language's order.
    pub async fn fill(&self, field: &str, value: &str) {
        let input = self.field(field).await;
        let kind = within("reading a field's type", input.attr("type")).await;
        if let Some("date" | "time" | "month" | "week" | "datetime-local" | "color" | "range") =
            kind.as_deref()
        {
            let set = "arguments[0].value = arguments[1];
                 for (const kind of ['input', 'change'])
                     arguments[0].dispatchEvent(new Event(kind, {bubbles: true}));";
            let args = vec![serde_json::to_value(&input).unwrap(), json!(value)];
            within(format!("setting {field}"), self.client.execute(set, args)).await;
        } else {
            within(format!("clearing {field}"), input.clear()).await;
            within(format!("typing into {field}"), input.send_keys(value)).await;
        }
    }

    /// Picks the option with `value` in the `<select>` named `field`.
    pub async fn select(&self, field: &str, value: &str) {
        let select = self.field(field).await;
        within(
            format!("selecting {value} in {field}"),
            select.select_by_value(value),
        )
        .await;
    }

    /// Ticks the checkbox (or radio button) named `field`, if it is not already.
    pub async fn check(&self, field: &str) {
        let input = self.field(field).await;
        if !within(format!("reading {field}"), input.is_selected()).await {
            within(format!("checking {field}"), input.click()).await;
        }
    }

    /// Chooses the file at `path` in the `<input type=file>` named `field`.
    pub async fn upload(&self, field: &str, path: &Path) {
        let path = path.canonicalize().unwrap();
        let input = self.field(field).await;
        within(
            format!("choosing {} in {field}", path.display()),
            input.send_keys(path.to_str().unwrap()),
        )
        .await;
    }

    /// Clicks the first element matching `css` and waits until the next page has loaded.
    pub async fn click(&self, css: &str) {
        // A mark on the current document: gone once another one has replaced it.
        self.script("window.kycoreOldPage = true").await;
        within(format!("clicking {css}"), self.find(css).await.click()).await;
        let new_page = async {
            loop {
                let ready = self.client.execute(
                    "return !window.kycoreOldPage && document.readyState === 'complete'",
                    vec![],
                );
                // Errors while the old page unloads are expected: ask again.
                if let Ok(Value::Bool(true)) = ready.await {
                    return Ok::<_, String>(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        within(
            format!("waiting for a new page after clicking {css}"),
            new_page,
        )
        .await;
    }

    /// Submits the page's form with its submit button.
    pub async fn submit(&self) {
        self.click("[type=submit], form button:not([type])").await;
    }

    /// One step of a flow, for the record: a screenshot, then an accessibility check.
    pub async fn step(&self, label: &str) {
        self.screenshot(label).await;
        self.assert_accessible(label).await;
    }

    /// Saves what the window shows as `NN-<label>.png` in the test's artifacts directory,
    /// numbered in order across the test's browsers.
    pub async fn screenshot(&self, label: &str) -> PathBuf {
        let png = within(format!("screenshot {label}"), self.client.screenshot()).await;
        let path = next_artifact(&self.test, label);
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Runs axe-core on the page and panics with a readable list of what it found.
    pub async fn assert_accessible(&self, label: &str) {
        let tools = tools().unwrap();
        if self.script("return typeof axe === 'undefined'").await == json!(true) {
            within("loading axe-core", self.client.execute(&tools.axe, vec![])).await;
        }
        let run = "const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                resultTypes: ['violations'],
            }).then(
                (results) => done(results.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.map((node) => node.target.join(' ')),
                }))),
                (error) => done({error: String(error)}),
            );";
        let found = within(
            format!("axe-core at {label}"),
            self.client.execute_async(run, vec![]),
        )
        .await;
        let Value::Array(violations) = found else {
            panic!("axe-core failed at step {label:?}: {found}");
        };
        if violations.is_empty() {
            return;
        }
        let mut report = format!(
            "axe-core found {} accessibility violation(s) at step {label:?} ({}):",
            violations.len(),
            self.current_url().await
        );
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        for v in &violations {
            let (id, impact, help) = (text(&v["id"]), text(&v["impact"]), text(&v["help"]));
            report += &format!("\n- {id} ({impact}): {help}");
            for target in v["targets"].as_array().into_iter().flatten() {
                report += &format!("\n    {}", text(target));
            }
        }
        panic!("{report}");
    }

    /// The one field named `field`, or else the first element matching `field` as CSS.
    async fn field(&self, field: &str) -> Element {
        let by_name = format!(
            "[name=\"{}\"]",
            field.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let mut named = within(
            format!("finding {by_name}"),
            self.client.find_all(Locator::Css(&by_name)),
        )
        .await;
        match named.len() {
            0 => self.find(field).await,
            1 => named.remove(0),
            n => panic!("{n} fields are named {field:?}: pick one with a CSS selector"),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        HELD.set(HELD.get() - 1);
    }
}

/// A chromedriver process and the session it runs. On drop it ends the session, so that
/// Chromium quits and reaps its own processes, then kills whatever is left of the process
/// group (all of it, when a test failed midway).
struct Driver {
    process: Child,
    port: u16,
    session: Option<String>,
}

impl Driver {
    async fn wait_until_ready(&mut self) {
        let status = format!("{}/status", self.url());
        let ready = async {
            loop {
                if let Some(exit) = self.process.try_wait().unwrap() {
                    return Err(format!("chromedriver exited: {exit}"));
                }
                if let Ok(answer) = reqwest::get(&status).await
                    && let Ok(body) = answer.json::<Value>().await
                    && body["value"]["ready"] == true
                {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        within("waiting for chromedriver", ready).await;
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Drop cannot await, so the one request that ends the session is written by hand.
        if let Some(session) = &self.session
            && let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port))
        {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                stream,
                "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
            // chromedriver keeps the connection open: stop at the end of its JSON answer.
            let (mut answer, mut chunk) = (Vec::new(), [0; 512]);
            while let Ok(read @ 1..) = stream.read(&mut chunk) {
                answer.extend_from_slice(&chunk[..read]);
                if answer.ends_with(b"}") {
                    break;
                }
            }
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.process.id())])
            .status();
        let _ = self.process.wait();
    }
}

/// What the browser tests need from outside: the two binaries and axe-core's source.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: String,
}

/// The tools, or `None` (said on stderr) when Chromium is missing and not required.
fn tools() -> Option<&'static Tools> {
    static TOOLS: OnceLock<Option<Tools>> = OnceLock::new();
    let tools = TOOLS.get_or_init(find_tools).as_ref();
    if tools.is_none() {
        eprintln!("skipping browser tests: chromium not found");
    }
    tools
}

/// Panics when Chromium is missing but required, or present without axe-core.
fn find_tools() -> Option<Tools> {
    let path =
        |var: &str, default: &str| PathBuf::from(std::env::var(var).unwrap_or(default.into()));
    let chromium = path("KYCORE_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = path("KYCORE_CHROMEDRIVER", "/usr/bin/chromedriver");
    if let Some(missing) = [&chromium, &chromedriver]
        .into_iter()
        .find(|p| !p.is_file())
    {
        let required = std::env::var("KYCORE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "KYCORE_REQUIRE_BROWSER=1 but {} is missing: apt-get install chromium chromium-driver",
            missing.display()
        );
        return None;
    }
    let support = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser-support");
    let axe = path(
        "KYCORE_AXE_JS",
        &format!("{support}/node_modules/axe-core/axe.min.js"),
    );
    let axe = std::fs::read_to_string(&axe).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing ({}: {e}): run `npm ci --prefix {support}`, or run the tests \
             with scripts/test, which does",
            axe.display()
        )
    });
    Some(Tools {
        chromium,
        chromedriver,
        axe,
    })
}

/// The current test's name without the `browser::` prefix, `::` written as `.`: libtest runs
/// each test on a thread named after it.
fn test_name() -> String {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("unnamed");
    name.trim_start_matches("browser::").replace("::", ".")
}

/// The path for a test's next screenshot. A test's directory is emptied the first time this
/// run saves into it, so it never mixes runs.
fn next_artifact(test: &str, label: &str) -> PathBuf {
    static COUNTS: Mutex<BTreeMap<String, u32>> = Mutex::new(BTreeMap::new());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), |dir| workspace.join(dir));
    let dir = target.join("browser-artifacts").join(test);
    let mut counts = COUNTS.lock().unwrap();
    let count = counts.entry(test.to_owned()).or_insert_with(|| {
        let _ = std::fs::remove_dir_all(&dir);
        0
    });
    *count += 1;
    std::fs::create_dir_all(&dir).unwrap();
    let label: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    dir.join(format!("{count:02}-{label}.png"))
}

/// Awaits one browser command, failing the test on an error or after [`STEP_TIMEOUT`].
async fn within<T, E: Display>(what: impl Display, step: impl Future<Output = Result<T, E>>) -> T {
    match tokio::time::timeout(STEP_TIMEOUT, step).await {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => panic!("{what}: {error}"),
        Err(_) => panic!("{what}: no answer within {STEP_TIMEOUT:?}"),
    }
}
