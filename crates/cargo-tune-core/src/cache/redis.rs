//! Whether a Redis server answers: connect, authenticate as the URL says, `PING`, and select
//! the database. A few lines of RESP over a socket, so that a down or locked server is a clear
//! error before sccache is started against it (sccache itself only logs storage errors and
//! turns every compile into a miss).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::backend::RedisUrl;

/// How long to wait for the server to accept and to answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// Why a Redis server cannot serve as a cache.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// No connection.
    #[error(
        "reach Redis at {url}: {source}; start the server (e.g. `redis-server --port {port}`) or fix the host and port in the URL"
    )]
    Unreachable {
        /// The URL, password masked.
        url: String,
        /// Its port.
        port: u16,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The server wants a password the URL does not give.
    #[error(
        "use Redis at {url}: the server requires a password ({reply}); put it in the URL: redis://[USER]:PASSWORD@HOST:PORT"
    )]
    AuthRequired {
        /// The URL, password masked.
        url: String,
        /// The server's reply.
        reply: String,
    },
    /// The server refused the credentials.
    #[error(
        "use Redis at {url}: the server refused the user and password in the URL ({reply}); check them against the server's `requirepass` or ACL"
    )]
    AuthFailed {
        /// The URL, password masked.
        url: String,
        /// The server's reply.
        reply: String,
    },
    /// The server answered something else than Redis would.
    #[error("use Redis at {url}: {what}")]
    Protocol {
        /// The URL, password masked.
        url: String,
        /// What went wrong.
        what: String,
    },
}

/// Connects to `url`, authenticates, pings and selects its database. TLS URLs are checked up to
/// the TCP connection: the handshake and the credentials are left to sccache.
pub fn check(url: &RedisUrl) -> Result<(), RedisError> {
    let masked = url.to_string();
    let unreachable = |source| RedisError::Unreachable {
        url: masked.clone(),
        port: url.port,
        source,
    };
    let addrs: Vec<_> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(unreachable)?
        .collect();
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let stream = stream.ok_or_else(|| unreachable(last))?;
    if url.tls {
        return Ok(());
    }
    let protocol = |what: String| RedisError::Protocol {
        url: masked.clone(),
        what,
    };
    let io = |e: std::io::Error| protocol(format!("the connection failed: {e}"));
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    let mut writer = stream.try_clone().map_err(io)?;
    let mut reader = BufReader::new(stream);
    let mut ask = |words: &[&str]| -> Result<String, RedisError> {
        writer.write_all(&command(words)).map_err(io)?;
        let mut line = String::new();
        reader.read_line(&mut line).map_err(io)?;
        if line.is_empty() {
            return Err(protocol("the server closed the connection".to_owned()));
        }
        Ok(line.trim_end().to_owned())
    };
    if let Some(password) = &url.password {
        let reply = match &url.username {
            Some(user) => ask(&["AUTH", user, password])?,
            None => ask(&["AUTH", password])?,
        };
        if let Some(err) = reply.strip_prefix('-') {
            return Err(RedisError::AuthFailed {
                url: masked,
                reply: err.to_owned(),
            });
        }
    }
    let reply = ask(&["PING"])?;
    if let Some(err) = reply.strip_prefix('-') {
        return Err(if err.starts_with("NOAUTH") {
            RedisError::AuthRequired {
                url: masked,
                reply: err.to_owned(),
            }
        } else {
            protocol(format!("PING failed: {err}"))
        });
    }
    if reply != "+PONG" {
        return Err(protocol(format!(
            "PING got `{reply}`, not PONG: is this port a Redis server?"
        )));
    }
    if let Some(db) = url.db {
        let reply = ask(&["SELECT", &db.to_string()])?;
        if let Some(err) = reply.strip_prefix('-') {
            return Err(protocol(format!("SELECT {db} failed: {err}")));
        }
    }
    Ok(())
}

fn command(words: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_resp_arrays() {
        assert_eq!(
            command(&["AUTH", "pw"]),
            b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"
        );
    }

    #[test]
    fn a_closed_port_is_unreachable_and_the_password_stays_hidden() {
        // Bind and drop: the port was free a moment ago and nothing listens on it now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = RedisUrl::parse(&format!("redis://:hunter2@127.0.0.1:{port}")).unwrap();
        let err = check(&url).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, RedisError::Unreachable { .. }), "{text}");
        assert!(
            text.contains(&format!("redis://:***@127.0.0.1:{port}")),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }
}
