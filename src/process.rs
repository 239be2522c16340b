//! Running a program with its arguments (never through a shell), stdin
//! closed or fed a given text, output captured up to a limit. Dropping the future kills the
//! program, so a caller's timeout really stops it.

use std::process::{ExitStatus, Stdio};

use tokio::io::AsyncReadExt;

pub struct Captured {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// stdout was longer than the limit (and was cut there).
    pub truncated: bool,
}

/// The first `max` bytes of a pipe, then the rest read and dropped: a
/// program writing more than it may is not left blocked on a full pipe
/// until its timeout (an action would then turn OUTCOME UNKNOWN for
/// nothing); it runs to its end and its exit status counts.
async fn capped<R: tokio::io::AsyncRead + Unpin>(r: R, max: u64) -> std::io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    let mut head = r.take(max);
    head.read_to_end(&mut kept).await?;
    tokio::io::copy(&mut head.into_inner(), &mut tokio::io::sink()).await?;
    Ok(kept)
}

pub async fn run(argv: &[String], max_out: u64, max_err: u64) -> Result<Captured, String> {
    run_with_input(argv, None, max_out, max_err).await
}

/// As `run`, with `input` written to the program's stdin (then closed).
pub async fn run_with_input(
    argv: &[String],
    input: Option<&[u8]>,
    max_out: u64,
    max_err: u64,
) -> Result<Captured, String> {
    use tokio::io::AsyncWriteExt as _;
    let (program, rest) = argv.split_first().ok_or("empty command")?;
    let mut child = tokio::process::Command::new(program)
        .args(rest)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let feed = async {
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            // A program that exits without reading is not an error here:
            // its exit status says what happened.
            let _ = stdin.write_all(text).await;
        }
    };
    let so = child.stdout.take().ok_or("no stdout")?;
    let se = child.stderr.take().ok_or("no stderr")?;
    let ((), r1, r2) = tokio::join!(feed, capped(so, max_out + 1), capped(se, max_err));
    let mut stdout = r1.map_err(|e| format!("reading the output of {program}: {e}"))?;
    let stderr = r2.map_err(|e| format!("reading the errors of {program}: {e}"))?;
    let truncated = stdout.len() as u64 > max_out;
    stdout.truncate(max_out as usize);
    let status = child
        .wait()
        .await
        .map_err(|e| format!("waiting for {program}: {e}"))?;
    Ok(Captured {
        status,
        stdout,
        stderr,
        truncated,
    })
}
