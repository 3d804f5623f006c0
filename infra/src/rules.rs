//! Form rules and calculations: the JavaScript a ticket type's designer writes, run in
//! QuickJS with no I/O (no modules, no host objects), a time limit and a memory limit. The
//! browser runs the same script as the user types; what the server computes here is what is
//! recorded.
//!
//! A script is the body of a function called with `values` (a copy of the ticket's form
//! values), `step` (the id of the workflow step being completed, or `"start"` when the ticket
//! is opened) and `error(field, message)`. It calculates by setting fields of `values` and
//! refuses input by calling `error`:
//!
//! ```js
//! values.total = (values.price || 0) * (values.quantity || 0);
//! if (values.total > 1000 && !values.reason) error("reason", "Say why above 1,000");
//! ```

use std::time::{Duration, Instant};

use rquickjs::{Context, Function, Runtime};
use serde_json::{Map, Value};

/// How long one run may take: generous for a form's arithmetic, short enough that a loop
/// costs the server little.
pub const TIME_LIMIT: Duration = Duration::from_millis(250);
/// The memory one run may use.
const MEMORY_LIMIT: usize = 16 * 1024 * 1024;
const STACK_LIMIT: usize = 512 * 1024;

/// What a run of the rules gave.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RulesOutcome {
    /// The fields whose value the rules set or changed, with their new value.
    pub computed: Map<String, Value>,
    /// `error(field, message)` calls, in order.
    pub errors: Vec<(String, String)>,
}

/// Why the rules gave no outcome. The messages are for the designer and the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("the form rules do not compile: {0}")]
    Syntax(String),
    #[error("the form rules threw an error: {0}")]
    Threw(String),
    #[error("the form rules ran longer than {} ms and were stopped (a loop that never ends?)", TIME_LIMIT.as_millis())]
    TimedOut,
    #[error("the form rules used more than {} MB of memory and were stopped", MEMORY_LIMIT / (1024 * 1024))]
    OutOfMemory,
    #[error("the form rules left values that are not plain data: {0}")]
    BadValues(String),
}

/// The wrapper that gives the script its three names and hands back plain JSON. The script
/// is compiled by the `Function` constructor, at the global scope: whatever it does, it
/// cannot reach the wrapper's own state.
const WRAPPER: &str = "(function (input, step, script) {
    const errors = [];
    const error = function (field, message) { errors.push([String(field), String(message)]); };
    const values = JSON.parse(input);
    new Function('values', 'step', 'error', script)(values, step, error);
    return JSON.stringify({ values: values, errors: errors });
})";

/// Lines the `Function` constructor puts before the script's first.
const LINES_BEFORE_SCRIPT: i64 = 2;

/// Runs `script` on `values` at `step`. Blocking and CPU-bound for up to [`TIME_LIMIT`]: call
/// it off the async executor (`spawn_blocking`).
pub fn run(script: &str, values: &Map<String, Value>, step: &str) -> Result<RulesOutcome, RulesError> {
    let runtime = Runtime::new().map_err(|error| RulesError::Threw(error.to_string()))?;
    runtime.set_memory_limit(MEMORY_LIMIT);
    runtime.set_max_stack_size(STACK_LIMIT);
    let deadline = Instant::now() + TIME_LIMIT;
    runtime.set_interrupt_handler(Some(Box::new(move || Instant::now() >= deadline)));
    let context = Context::full(&runtime).map_err(|error| RulesError::Threw(error.to_string()))?;
    let input = Value::Object(values.clone()).to_string();
    let output: Result<String, RulesError> = context.with(|ctx| {
        let failure = |error: rquickjs::Error| {
            let thrown = if error.is_exception() { describe(&ctx.catch()) } else { error.to_string() };
            if Instant::now() >= deadline {
                RulesError::TimedOut
            } else if thrown.contains("out of memory") || matches!(error, rquickjs::Error::Allocation) {
                RulesError::OutOfMemory
            } else if thrown.starts_with("SyntaxError") {
                RulesError::Syntax(thrown)
            } else {
                RulesError::Threw(thrown)
            }
        };
        let function: Function = ctx.eval(WRAPPER).map_err(&failure)?;
        function.call((input, step.to_owned(), script.to_owned())).map_err(failure)
    });
    let output: Value = serde_json::from_str(&output?).map_err(|error| RulesError::BadValues(error.to_string()))?;
    let Some(Value::Object(after)) = output.get("values") else {
        return Err(RulesError::BadValues("`values` is no longer an object".into()));
    };
    let computed = after
        .iter()
        .filter(|(key, value)| values.get(*key) != Some(*value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let errors = output
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((pair.get(0)?.as_str()?.to_owned(), pair.get(1)?.as_str()?.to_owned())))
        .collect();
    Ok(RulesOutcome { computed, errors })
}

/// A thrown value as a person reads it: `TypeError: x is undefined (line 3)`.
fn describe(thrown: &rquickjs::Value<'_>) -> String {
    if let Some(exception) = thrown.as_exception() {
        let message = exception.message().unwrap_or_default();
        let name = exception.get::<_, String>("name").unwrap_or_else(|_| "Error".into());
        let line = exception
            .get::<_, i64>("lineNumber")
            .ok()
            .or_else(|| exception.stack().as_deref().and_then(stack_line))
            .map(|line| line - LINES_BEFORE_SCRIPT)
            .filter(|line| *line > 0);
        return match line {
            Some(line) => format!("{name}: {message} (line {line})"),
            None => format!("{name}: {message}"),
        };
    }
    thrown.as_string().and_then(|text| text.to_string().ok()).unwrap_or_else(|| format!("{thrown:?}"))
}

/// The line of the innermost frame of a QuickJS stack (`    at f (eval_script:7:5)`).
fn stack_line(stack: &str) -> Option<i64> {
    let frame = stack.lines().find(|line| line.trim_start().starts_with("at "))?;
    let location = frame.rsplit_once('(').map_or(frame, |(_, inside)| inside).trim_end_matches(')');
    let mut parts = location.rsplit(':');
    let last = parts.next()?.parse::<i64>().ok();
    match parts.next().and_then(|part| part.parse::<i64>().ok()) {
        Some(line) => Some(line),
        None => last,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn values(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn rules_calculate_fields_and_report_errors_by_field() {
        let script = "values.total = values.price * values.quantity;\n\
                      if (values.total > 1000 && !values.reason) error('reason', 'Say why above 1,000');\n\
                      if (step === 'approve') values.approved_at_step = step;";
        let outcome = run(script, &values(json!({ "price": 600, "quantity": 2 })), "start").unwrap();
        assert_eq!(outcome.computed, values(json!({ "total": 1200 })));
        assert_eq!(outcome.errors, [("reason".to_owned(), "Say why above 1,000".to_owned())]);
        let outcome = run(script, &values(json!({ "price": 1, "quantity": 2, "total": 2 })), "approve").unwrap();
        assert_eq!(
            outcome.computed,
            values(json!({ "approved_at_step": "approve" })),
            "unchanged values are not computed"
        );
        assert!(outcome.errors.is_empty());
        assert_eq!(run("", &Map::new(), "start").unwrap(), RulesOutcome::default());
    }

    #[test]
    fn a_script_that_loops_is_stopped_in_time() {
        let started = Instant::now();
        assert_eq!(run("while (true) {}", &Map::new(), "start"), Err(RulesError::TimedOut));
        assert!(started.elapsed() < TIME_LIMIT * 20, "stopped, not left running");
        let message = RulesError::TimedOut.to_string();
        assert!(message.contains("250 ms") && message.contains("stopped"), "{message}");
    }

    #[test]
    fn a_script_that_throws_or_does_not_compile_says_why() {
        let threw = run("let x = null;\nx.y = 1;", &Map::new(), "start").unwrap_err();
        let RulesError::Threw(message) = &threw else { panic!("{threw:?}") };
        assert!(message.starts_with("TypeError") && message.contains("line 2"), "{message}");
        let custom = run("throw new Error('no refunds on Sundays')", &Map::new(), "start").unwrap_err();
        assert_eq!(custom, RulesError::Threw("Error: no refunds on Sundays (line 1)".into()));
        assert!(matches!(run("values.total = ;", &Map::new(), "start"), Err(RulesError::Syntax(_))));
        // Closing the braces reaches the global scope, never the wrapper's own state.
        let escape = run("}); errors.length = 0; (function () {", &Map::new(), "start").unwrap_err();
        assert!(
            matches!(&escape, RulesError::Threw(message) if message.contains("errors is not defined")),
            "{escape:?}"
        );
    }

    #[test]
    fn a_script_that_hoards_memory_is_stopped() {
        let error =
            run("let a = []; while (true) a.push(new Array(100000).fill(1));", &Map::new(), "start").unwrap_err();
        assert!(matches!(error, RulesError::OutOfMemory | RulesError::TimedOut), "{error:?}");
    }

    #[test]
    fn scripts_reach_no_host() {
        for script in ["require('fs')", "fetch('http://127.0.0.1')", "std.open('/etc/passwd')", "os.exec(['ls'])"] {
            assert!(matches!(run(script, &Map::new(), "start"), Err(RulesError::Threw(_))), "{script}");
        }
    }
}
