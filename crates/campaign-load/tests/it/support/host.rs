//! Test hosts of our own, written as plain sockets: they answer every request the same way and
//! note what they were asked, so a test can say what reached them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// Serves HTTP/1.1 on 127.0.0.1 forever (threads die with the test process), answering each
/// request with `answer` and noting its head in `seen`.
pub fn serve(answer: String, seen: Arc<Mutex<Vec<String>>>) -> u16 {
    serve_with(Arc::new(move |_: &str| answer.clone()), seen)
}

/// An answer chosen by the request line (`GET /path?query HTTP/1.1`): the whole HTTP response.
pub type Answer = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// [`serve`], the answer chosen per request by `answer`.
pub fn serve_with(answer: Answer, seen: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (answer, seen) = (answer.clone(), seen.clone());
            std::thread::spawn(move || connection(stream, &*answer, &seen));
        }
    });
    port
}

/// A Kore.ai host as the vendor documents it, for stops and status reads: every stop answered
/// with the documented stop answer, every status read with `Stopped`. Its port.
pub fn kore_stops(seen: Arc<Mutex<Vec<String>>>) -> u16 {
    serve_with(
        Arc::new(|request: &str| {
            let body = if request.contains("/status?") {
                r#"{"status":"success","data":{"id":"cd-1","status":"Stopped","name":"c"}}"#
            } else {
                r#"{"status":"Stopped","message":"Campaign Stopped","updatedAt":"2025-06-27T07:13:51.444Z","campaignInstanceId":"cid-1"}"#
            };
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
        }),
        seen,
    )
}

fn connection(
    stream: TcpStream,
    answer: &(dyn Fn(&str) -> String + Send + Sync),
    seen: &Mutex<Vec<String>>,
) {
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = answer(head.lines().next().unwrap_or_default());
        if let Ok(mut s) = seen.lock() {
            s.push(head);
        }
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// A host that accepts connections and never answers; its port.
pub fn never_answers() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// The request lines (`POST /path?query HTTP/1.1`) of the heads in `seen`.
pub fn request_lines(seen: &Mutex<Vec<String>>) -> Vec<String> {
    seen.lock()
        .map(|s| {
            s.iter()
                .filter_map(|h| h.lines().next().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
