//! A minimal HTTP/1.1 client and message reader, enough for end-to-end tests: fixed-length and
//! chunked bodies, keep-alive off, and a record of the body chunks as they arrived.
use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A request head plus body as read off a socket (used by both the client and the mock upstream).
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// Request line (`POST /v1/chat HTTP/1.1`) or status line.
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    /// First value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A response as the client saw it.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Body chunks with the time since the request was sent, as they came off the socket
    /// (chunked encoding: one entry per HTTP chunk).
    pub arrivals: Vec<(Duration, Vec<u8>)>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Reads one HTTP message head; `Ok(None)` on a clean EOF before any byte.
pub fn read_head(r: &mut impl BufRead) -> io::Result<Option<Message>> {
    let mut start_line = String::new();
    if r.read_line(&mut start_line)? == 0 {
        return Ok(None);
    }
    let mut msg = Message {
        start_line: start_line.trim_end().to_string(),
        ..Message::default()
    };
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "eof in headers",
            ));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            msg.headers
                .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok(Some(msg))
}

/// Reads the body that follows `head` (content-length or chunked), calling `on_chunk` for each
/// piece as it arrives.
pub fn read_body(
    r: &mut impl BufRead,
    head: &Message,
    mut on_chunk: impl FnMut(&[u8]),
) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if head
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size_line = String::new();
            r.read_line(&mut size_line)?;
            let size_hex = size_line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                loop {
                    let mut l = String::new();
                    if r.read_line(&mut l)? == 0 || l.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut chunk = vec![0; size];
            r.read_exact(&mut chunk)?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf)?;
            on_chunk(&chunk);
            body.extend_from_slice(&chunk);
        }
    } else if let Some(len) = head.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?;
        let mut buf = vec![0; len];
        r.read_exact(&mut buf)?;
        on_chunk(&buf);
        body = buf;
    } else if head.start_line.starts_with("HTTP/") {
        // A response without length: read to EOF.
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                break;
            }
            on_chunk(&buf[..n]);
            body.extend_from_slice(&buf[..n]);
        }
    }
    Ok(body)
}

/// Sends one request to `127.0.0.1:port` and reads the whole response.
pub fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n");
    let has_ct = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_ct && !body.is_empty() {
        req.push_str("content-type: application/json\r\n");
    }
    if method != "GET" || !body.is_empty() {
        req.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let started = Instant::now();
    stream.write_all(req.as_bytes())?;
    stream.write_all(body)?;
    let mut r = BufReader::new(stream);
    let head = read_head(&mut r)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no response"))?;
    let status = head
        .start_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut arrivals = Vec::new();
    let body = if status == 204 || status == 304 || method == "HEAD" {
        Vec::new()
    } else {
        read_body(&mut r, &head, |c| {
            arrivals.push((started.elapsed(), c.to_vec()))
        })?
    };
    Ok(Response {
        status,
        headers: head.headers,
        body,
        arrivals,
    })
}

/// POSTs a JSON body.
pub fn post_json(
    port: u16,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> io::Result<Response> {
    let mut h = vec![("content-type", "application/json")];
    h.extend_from_slice(headers);
    send(port, "POST", path, &h, body.as_bytes())
}
