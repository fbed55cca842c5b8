//! Decision rules: boolean CEL expressions over a case's facts object.
//!
//! The server builds the facts (a JSON object with a fixed set of top-level keys, documented
//! in the README) and asks each rule whether it fires. A rule is compiled and checked once,
//! when its flow is created: it must parse, name only known facts, and give a boolean on a
//! sample of the facts — so a broken rule is refused then, not discovered on a live case.
//! Every evaluation also reports the facts the expression read (`checks.lei.status` → its
//! value), which the decision records as the rule's inputs.
//!
//! A rule's work is bounded before it ever runs: [`compile`] estimates an upper bound of the
//! steps an evaluation can take (every node visited, every list element built or copied,
//! every loop iteration, with fact lists counted at their largest) and refuses a rule over
//! [`MAX_COST`] with `rule_too_expensive`. Memory follows from it, since nothing is allocated
//! without a step. The estimate is deliberately pessimistic: a short rule of nested `map`s
//! over literal lists does cubic work and is refused, while conditions over the facts stay
//! far below the bound.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::{Context, Env, Value};
use serde_json::Value as Json;

/// Longest rule accepted, in bytes: rules are conditions, not programs.
pub const MAX_EXPRESSION_BYTES: usize = 2000;
/// Deepest nesting the parser accepts; keeps a hostile rule from exhausting the stack.
const MAX_NESTING: u16 = 32;
/// Comprehensions (`exists`, `all`, `map`, `filter`…) inside one another: each level
/// multiplies the work, and the facts' lists never need more than two.
const MAX_COMPREHENSION_DEPTH: usize = 2;
/// The most work one evaluation may do, in estimated steps (milliseconds of CPU at most).
/// Two comprehensions nested over the largest fact lists stay well below it.
pub const MAX_COST: u64 = 100_000;
/// The longest list a fact can hold, for the estimate: the facts' lists (failed checks,
/// documents of a round, duplicates, lists, steps) are shorter.
const FACT_LIST_BOUND: u64 = 32;
/// The size of one element of a fact list: a short string or a small object.
const FACT_ELEMENT_BOUND: u64 = 4;
/// Strings count one unit of size per this many bytes: copying them is cheap per byte, but
/// a loop that builds long strings allocates in proportion.
const STRING_UNIT_BYTES: u64 = 64;

/// Why a rule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the expression is empty or longer than {MAX_EXPRESSION_BYTES} bytes")]
    Length,
    #[error("the expression does not parse: {0}")]
    Syntax(String),
    #[error("`{0}` is not a fact; known facts are {1}")]
    UnknownFact(String, String),
    #[error("the expression failed on the facts: {0}")]
    Evaluation(String),
    #[error("the expression gives {0}, not true or false")]
    NotBoolean(String),
    #[error("more than {MAX_COMPREHENSION_DEPTH} comprehensions are nested")]
    TooComplex,
    #[error("the expression could take up to {0} steps on a case; at most {MAX_COST} are allowed")]
    TooExpensive(u64),
}

impl RuleError {
    /// A stable code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Length => "rule_length",
            RuleError::Syntax(_) => "rule_syntax",
            RuleError::UnknownFact(..) => "rule_unknown_fact",
            RuleError::Evaluation(_) => "rule_evaluation",
            RuleError::NotBoolean(_) => "rule_not_boolean",
            RuleError::TooComplex => "rule_too_complex",
            RuleError::TooExpensive(_) => "rule_too_expensive",
        }
    }
}

/// A rule ready to evaluate, with the fact paths it reads.
pub struct CompiledRule {
    expression: IdedExpr,
    inputs: Vec<Vec<String>>,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub fired: bool,
    /// Each fact path the expression reads (dotted), with its value in these facts.
    pub inputs: BTreeMap<String, Json>,
}

/// Compiles `expression`, refusing any name that is not one of `facts` (the top-level keys).
pub fn compile(expression: &str, facts: &[&str]) -> Result<CompiledRule, RuleError> {
    if expression.trim().is_empty() || expression.len() > MAX_EXPRESSION_BYTES {
        return Err(RuleError::Length);
    }
    let parsed = cel::parser::Parser::default()
        .max_recursion_depth(MAX_NESTING)
        .parse(expression)
        .map_err(|e| RuleError::Syntax(e.to_string()))?;
    let mut names = Names {
        facts,
        depth: 0,
        deepest: 0,
        bound: Vec::new(),
        paths: Vec::new(),
        unknown: Vec::new(),
    };
    names.walk(&parsed);
    if let Some(name) = names.unknown.first() {
        return Err(RuleError::UnknownFact(name.clone(), facts.join(", ")));
    }
    if names.deepest > MAX_COMPREHENSION_DEPTH {
        return Err(RuleError::TooComplex);
    }
    let cost = Estimate::default().of(&parsed).steps;
    if cost > MAX_COST {
        return Err(RuleError::TooExpensive(cost));
    }
    let mut inputs = names.paths;
    inputs.sort();
    inputs.dedup();
    Ok(CompiledRule {
        expression: parsed,
        inputs,
    })
}

/// Compiles `expression` and checks it gives a boolean on `sample`, a facts object shaped
/// like the real ones.
pub fn validate(expression: &str, sample: &Json) -> Result<CompiledRule, RuleError> {
    let keys = fact_names(sample);
    let rule = compile(expression, &keys)?;
    rule.evaluate(&Facts::new(sample)?)?;
    Ok(rule)
}

/// A case's facts, converted once into CEL values for every rule evaluated on them.
pub struct Facts<'a> {
    json: &'a Json,
    context: Context<'static, 'static>,
}

impl<'a> Facts<'a> {
    pub fn new(json: &'a Json) -> Result<Self, RuleError> {
        // The standard environment's function table is built once per process.
        static STDLIB: OnceLock<Arc<Env>> = OnceLock::new();
        let env = STDLIB.get_or_init(|| Arc::new(Env::stdlib()));
        let mut context = Context::with_env(Arc::clone(env));
        if let Some(object) = json.as_object() {
            for (name, value) in object {
                context
                    .add_variable(name.as_str(), value)
                    .map_err(|e| RuleError::Evaluation(e.to_string()))?;
            }
        }
        Ok(Facts { json, context })
    }
}

/// The top-level keys of a facts object.
pub fn fact_names(facts: &Json) -> Vec<&str> {
    facts
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

impl CompiledRule {
    /// Whether the rule fires on `facts`, and what it read.
    pub fn evaluate(&self, facts: &Facts<'_>) -> Result<Evaluation, RuleError> {
        let fired = match Value::resolve(&self.expression, &facts.context) {
            Ok(Value::Bool(fired)) => fired,
            Ok(other) => return Err(RuleError::NotBoolean(type_name(&other).to_owned())),
            Err(e) => return Err(RuleError::Evaluation(e.to_string())),
        };
        let inputs = self
            .inputs
            .iter()
            .map(|path| (path.join("."), lookup(facts.json, path)))
            .collect();
        Ok(Evaluation { fired, inputs })
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Int(_) | Value::UInt(_) => "a number",
        Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Null => "null",
        _ => "a value",
    }
}

/// The value at `path` in `facts`, or null where the path leads nowhere.
fn lookup(facts: &Json, path: &[String]) -> Json {
    path.iter()
        .try_fold(facts, |value, key| value.get(key))
        .cloned()
        .unwrap_or(Json::Null)
}

/// What an expression names: the fact paths it reads (longest selections, such as
/// `checks.lei.status`) and any identifier that is neither a fact nor a variable bound by an
/// enclosing comprehension (`c` in `failed_checks.exists(c, …)`).
struct Names<'a> {
    facts: &'a [&'a str],
    /// Comprehensions enclosing the node being walked, and the most seen.
    depth: usize,
    deepest: usize,
    bound: Vec<String>,
    paths: Vec<Vec<String>>,
    unknown: Vec<String>,
}

impl Names<'_> {
    fn walk(&mut self, expr: &IdedExpr) {
        if let Some(path) = fact_path(&expr.expr, self.facts) {
            self.paths.push(path);
            return;
        }
        match &expr.expr {
            Expr::Ident(name) if !self.bound.contains(name) => self.unknown.push(name.clone()),
            Expr::Call(call) => {
                if let Some(target) = &call.target {
                    self.walk(target);
                }
                call.args.iter().for_each(|e| self.walk(e));
            }
            Expr::Select(select) => self.walk(&select.operand),
            Expr::List(list) => list.elements.iter().for_each(|e| self.walk(e)),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        self.walk(&e.key);
                        self.walk(&e.value);
                    }
                }
            }
            Expr::Comprehension(c) => {
                self.walk(&c.iter_range);
                self.walk(&c.accu_init);
                let bound = self.bound.len();
                self.bound.push(c.iter_var.clone());
                self.bound.extend(c.iter_var2.clone());
                self.bound.push(c.accu_var.clone());
                self.depth += 1;
                self.deepest = self.deepest.max(self.depth);
                for e in [&c.loop_cond, &c.loop_step, &c.result] {
                    self.walk(e);
                }
                self.depth -= 1;
                self.bound.truncate(bound);
            }
            _ => {}
        }
    }
}

/// An upper bound of what evaluating an expression costs and yields.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    /// Steps to evaluate it.
    steps: u64,
    /// Elements (or characters) of the value it yields, when a list, map or string.
    size: u64,
    /// The largest element's size, when it yields a list.
    element: u64,
}

impl Cost {
    /// A fact, or a value the estimate cannot see into: as large as a fact can be.
    fn unknown() -> Self {
        Cost {
            steps: 1,
            size: FACT_LIST_BOUND,
            element: FACT_ELEMENT_BOUND,
        }
    }
}

/// Walks an expression bottom-up, summing each node's cost; saturates instead of overflowing.
#[derive(Default)]
struct Estimate {
    /// Variables bound by the enclosing comprehensions, with what they hold.
    bound: Vec<(String, Cost)>,
}

impl Estimate {
    fn of(&mut self, expr: &IdedExpr) -> Cost {
        match &expr.expr {
            Expr::Literal(literal) => Cost {
                steps: 1,
                size: literal_size(literal),
                element: 0,
            },
            Expr::Ident(name) => self
                .bound
                .iter()
                .rev()
                .find(|(bound, _)| bound == name)
                .map_or_else(Cost::unknown, |(_, cost)| Cost { steps: 1, ..*cost }),
            Expr::Select(select) => {
                let operand = self.of(&select.operand);
                Cost {
                    steps: operand.steps.saturating_add(1),
                    ..Cost::unknown()
                }
            }
            Expr::List(list) => self.collection(list.elements.iter()),
            Expr::Map(map) => {
                self.collection(map.entries.iter().flat_map(|entry| match &entry.expr {
                    EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
                    EntryExpr::StructField(f) => vec![&f.value],
                }))
            }
            Expr::Call(call) => {
                let target = call.target.as_deref().map(|t| self.of(t));
                let args: Vec<Cost> = target
                    .into_iter()
                    .chain(call.args.iter().map(|a| self.of(a)))
                    .collect();
                call_cost(&args)
            }
            Expr::Comprehension(c) => self.comprehension(c),
            _ => Cost::unknown(),
        }
    }

    /// A list or map literal: its parts, plus building it.
    fn collection<'e>(&mut self, parts: impl Iterator<Item = &'e IdedExpr>) -> Cost {
        let parts: Vec<Cost> = parts.map(|p| self.of(p)).collect();
        let len = parts.len() as u64;
        Cost {
            steps: sum_steps(&parts).saturating_add(len).saturating_add(1),
            size: len,
            element: parts.iter().map(|p| p.size).max().unwrap_or(0),
        }
    }

    /// A loop over a range: every iteration runs the condition and the step. A list
    /// accumulator (`map`, `filter`) grows by one element per iteration and is copied by each
    /// step; a boolean one (`exists`, `all`) stays small.
    fn comprehension(&mut self, c: &cel::common::ast::ComprehensionExpr) -> Cost {
        let range = self.of(&c.iter_range);
        let init = self.of(&c.accu_init);
        let iterations = range.size.max(1);
        let grows = matches!(c.accu_init.expr, Expr::List(_));
        let accumulated = Cost {
            steps: 1,
            size: if grows {
                init.size.saturating_add(iterations)
            } else {
                init.size
            },
            element: 0,
        };
        let item = Cost {
            steps: 1,
            size: range.element,
            element: FACT_ELEMENT_BOUND,
        };
        let scope = self.bound.len();
        self.bound.push((c.iter_var.clone(), item));
        if let Some(second) = &c.iter_var2 {
            self.bound.push((second.clone(), item));
        }
        self.bound.push((c.accu_var.clone(), accumulated));
        let step = self.of(&c.loop_step);
        let per_iteration = self.of(&c.loop_cond).steps.saturating_add(step.steps);
        let result = self.of(&c.result);
        self.bound.truncate(scope);
        Cost {
            steps: range
                .steps
                .saturating_add(init.steps)
                .saturating_add(iterations.saturating_mul(per_iteration))
                .saturating_add(result.steps),
            size: accumulated.size,
            element: step.element,
        }
    }
}

/// A function or operator: its arguments, plus work in proportion to the largest value it
/// reads (`in`, `+` of lists or strings, `contains`, `size`…); it may yield a value as large as
/// its arguments together (concatenation).
fn call_cost(args: &[Cost]) -> Cost {
    let total_size = args.iter().fold(0u64, |sum, a| sum.saturating_add(a.size));
    Cost {
        steps: sum_steps(args).saturating_add(total_size).saturating_add(1),
        size: total_size,
        element: args.iter().map(|a| a.element).max().unwrap_or(0),
    }
}

fn sum_steps(parts: &[Cost]) -> u64 {
    parts
        .iter()
        .fold(0u64, |sum, p| sum.saturating_add(p.steps))
}

fn literal_size(literal: &cel::common::ast::LiteralValue) -> u64 {
    use cel::common::ast::LiteralValue;
    match literal {
        LiteralValue::String(s) => (s.len() as u64).div_ceil(STRING_UNIT_BYTES),
        LiteralValue::Bytes(b) => (b.len() as u64).div_ceil(STRING_UNIT_BYTES),
        _ => 0,
    }
}

/// `a.b.c` as `["a", "b", "c"]` when `a` is a fact.
fn fact_path(expr: &Expr, facts: &[&str]) -> Option<Vec<String>> {
    match expr {
        Expr::Ident(name) if facts.contains(&name.as_str()) => Some(vec![name.clone()]),
        Expr::Select(select) if !select.test => {
            let mut path = fact_path(&select.operand.expr, facts)?;
            path.push(select.field.clone());
            Some(path)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn facts() -> Json {
        json!({
            "applicant": {"country": "IR", "age": 17},
            "checks": {"lei": {"status": "failed"}, "email": {"status": "passed"}},
            "failed_checks": ["lei"],
            "screening": {"open_hits": 0, "max_score": 0.0},
        })
    }

    #[test]
    fn a_rule_fires_and_reports_what_it_read() {
        let rule = validate(
            "applicant.country in ['IR', 'KP'] || checks.lei.status == 'failed'",
            &facts(),
        )
        .unwrap();
        let evaluation = rule.evaluate(&Facts::new(&facts()).unwrap()).unwrap();
        assert!(evaluation.fired);
        assert_eq!(evaluation.inputs["applicant.country"], json!("IR"));
        assert_eq!(evaluation.inputs["checks.lei.status"], json!("failed"));
        assert_eq!(evaluation.inputs.len(), 2);
    }

    #[test]
    fn comprehension_variables_are_not_facts() {
        let rule = validate("failed_checks.exists(c, c == 'lei')", &facts()).unwrap();
        let json = facts();
        let converted = Facts::new(&json).unwrap();
        let evaluation = rule.evaluate(&converted).unwrap();
        assert!(evaluation.fired);
        assert_eq!(
            evaluation.inputs.keys().collect::<Vec<_>>(),
            ["failed_checks"]
        );
        let quiet = validate("screening.open_hits > 0", &facts()).unwrap();
        assert!(!quiet.evaluate(&converted).unwrap().fired);
    }

    #[test]
    fn conditions_over_the_facts_stay_far_below_the_cost_bound() {
        let rules = [
            "applicant.country in ['IR', 'KP', 'SY', 'CU'] && applicant.age < 18",
            "failed_checks.exists(c, c == 'lei') || failed_checks.size() > 2",
            "failed_checks.exists(a, failed_checks.exists(b, a != b))",
            "failed_checks.filter(c, c.startsWith('mrz')).map(c, c + '!').size() > 1",
        ];
        for rule in rules {
            let cost = Estimate::default()
                .of(&cel::parser::Parser::default().parse(rule).unwrap())
                .steps;
            assert!(cost < MAX_COST / 2, "{rule}: {cost}");
            validate(rule, &facts()).unwrap_or_else(|e| panic!("{rule}: {e}"));
        }
    }

    /// The estimate is an upper bound: what a rule really does (timed in debug builds) stays
    /// within it, and a rule that passes runs fast.
    #[test]
    fn a_rule_near_the_bound_evaluates_quickly() {
        let list = vec!["1"; 30].join(",");
        let rule = format!("[{list}].map(x, [{list}].map(y, [{list}])).size() > 0");
        let parsed = cel::parser::Parser::default().parse(&rule).unwrap();
        assert!(Estimate::default().of(&parsed).steps <= MAX_COST);
        let compiled = validate(&rule, &facts()).unwrap();
        let json = facts();
        let converted = Facts::new(&json).unwrap();
        let started = std::time::Instant::now();
        assert!(compiled.evaluate(&converted).unwrap().fired);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn broken_rules_are_refused_with_a_stable_code() {
        let cases = [
            ("", "rule_length"),
            ("applicant.country ==", "rule_syntax"),
            ("customer.age < 18", "rule_unknown_fact"),
            ("applicant.age + 'x' == 1", "rule_evaluation"),
            ("applicant.age", "rule_not_boolean"),
            ("applicant.missing == 1", "rule_evaluation"),
        ];
        for (expression, code) in cases {
            let error = validate(expression, &facts()).err().unwrap();
            assert_eq!(error.code(), code, "{expression}: {error}");
        }
        let deep = format!("{}true{}", "(".repeat(200), ")".repeat(200));
        assert_eq!(
            validate(&deep, &facts()).err().unwrap().code(),
            "rule_syntax"
        );
        let nested =
            "failed_checks.exists(a, failed_checks.exists(b, failed_checks.exists(c, a == b)))";
        assert_eq!(
            validate(nested, &facts()).err().unwrap().code(),
            "rule_too_complex"
        );
        let cubic = format!(
            "[{list}].map(x, [{list}].map(y, [{list}])).size() > 0",
            list = vec!["1"; 300].join(",")
        );
        assert!(cubic.len() < MAX_EXPRESSION_BYTES);
        assert_eq!(
            validate(&cubic, &facts()).err().unwrap().code(),
            "rule_too_expensive"
        );
        let long = format!("true{}", " && true".repeat(400));
        assert_eq!(
            validate(&long, &facts()).err().unwrap().code(),
            "rule_length"
        );
    }
}
