//! Runs benchmarks before the `hotline bench` command exists:
//! `cargo run -p hotline-benchmarks --example run -- <name>... [--scale <factor>] [--markdown]`
//! (no name: all of them).

use hotline_benchmarks::{BENCHMARKS, BenchOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut names = Vec::new();
    let mut options = BenchOptions::default();
    let mut markdown = false;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--scale" => {
                let value = arguments.next().ok_or_else(|| anyhow::anyhow!("--scale needs a number"))?;
                options.scale = value.parse()?;
            }
            "--markdown" => markdown = true,
            name => names.push(name.to_owned()),
        }
    }
    if names.is_empty() {
        names = BENCHMARKS.iter().map(|name| (*name).to_owned()).collect();
    }
    for name in names {
        let report = hotline_benchmarks::run(&name, options.clone()).await?;
        println!("{report}");
        if markdown {
            println!("{}", report.to_markdown());
        }
    }
    Ok(())
}
