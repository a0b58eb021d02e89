//! Whether a Redis server answers: connect, authenticate as the URL says, `PING`, and select
//! the database. A few lines of RESP over a socket, so that a down or locked server is a clear
//! error before sccache is started against it (sccache itself only logs storage errors and
//! turns every compile into a miss).

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::cargo::mask_secrets;

/// A single-node Redis URL, `redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]` (`rediss://` for
/// TLS). Displays with the password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    raw: String,
    /// `rediss` connects with TLS.
    pub tls: bool,
    /// ACL user, if any.
    pub username: Option<String>,
    /// Password, if any (percent-decoded).
    pub password: Option<String>,
    /// Host name or address (brackets of an IPv6 address removed).
    pub host: String,
    /// Port, 6379 unless given.
    pub port: u16,
    /// Database number, if given.
    pub db: Option<u32>,
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_secrets(&self.raw))
    }
}

impl RedisUrl {
    /// Parses a Redis URL.
    pub fn parse(text: &str) -> Result<RedisUrl, RedisUrlError> {
        let bad = |why| RedisUrlError {
            url: mask_secrets(text),
            why,
        };
        let (tls, rest) = if let Some(rest) = text.strip_prefix("rediss://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("redis://") {
            (false, rest)
        } else {
            return Err(bad("the scheme must be redis:// or rediss://"));
        };
        let rest = rest.split(['#', '?']).next().unwrap_or_default();
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pass) = match u.split_once(':') {
                    Some((user, pass)) => (user, Some(pass)),
                    None => (u, None),
                };
                let user = (!user.is_empty()).then(|| percent_decode(user));
                (user, pass.filter(|p| !p.is_empty()).map(percent_decode))
            }
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            (host, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None | Some("") => 6379,
            Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
        };
        let db = match path.trim_matches('/') {
            "" => None,
            d => Some(d.parse().map_err(|_| bad("the database is not a number"))?),
        };
        Ok(RedisUrl {
            raw: text.to_owned(),
            tls,
            username,
            password,
            host: host.to_owned(),
            port,
            db,
        })
    }

    /// `redis://HOST:PORT` (or `rediss://`), without credentials or database.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A Redis URL that does not parse: a usage error.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid Redis URL `{url}`: {why}")]
pub struct RedisUrlError {
    /// The URL, password masked.
    pub url: String,
    /// What is wrong.
    pub why: &'static str,
}

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
    fn redis_urls_parse_and_never_show_their_password() {
        let url = RedisUrl::parse("redis://ci:s3cr%40t@cache.example:6380/2").unwrap();
        assert_eq!(url.username.as_deref(), Some("ci"));
        assert_eq!(url.password.as_deref(), Some("s3cr@t"));
        assert_eq!(
            (url.host.as_str(), url.port, url.db),
            ("cache.example", 6380, Some(2))
        );
        assert_eq!(url.to_string(), "redis://ci:***@cache.example:6380/2");
        assert!(!format!("{url:?}").contains("s3cr"));
        let plain = RedisUrl::parse("redis://127.0.0.1").unwrap();
        assert_eq!(
            (plain.port, plain.password.clone(), plain.db),
            (6379, None, None)
        );
        let only_pass = RedisUrl::parse("rediss://:pw@[::1]:7000").unwrap();
        assert!(only_pass.tls);
        assert_eq!((only_pass.host.as_str(), only_pass.port), ("::1", 7000));
        assert_eq!(only_pass.to_string(), "rediss://:***@[::1]:7000");
        assert_eq!(only_pass.endpoint(), "rediss://[::1]:7000");
        assert_eq!(url.endpoint(), "redis://cache.example:6380");
        let err = RedisUrl::parse("redis://:hunter2@host:port").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

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
