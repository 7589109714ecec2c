//! Plain-HTTP peers for the captive-portal check: one that answers `204 No Content` as a
//! connectivity check does, and portals that redirect to a login page or serve one in place.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::udp::Task;

/// What the server answers to every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpAnswer {
    /// `204 No Content`: an open network.
    NoContent,
    /// `302 Found` to a login page, as hotel and airport portals do.
    RedirectToLogin,
    /// `200 OK` with a login page where 204 was expected.
    LoginPage,
}

impl HttpAnswer {
    fn response(self) -> &'static str {
        match self {
            HttpAnswer::NoContent => "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
            HttpAnswer::RedirectToLogin => {
                "HTTP/1.1 302 Found\r\nLocation: http://portal.lab.invalid/login?continue=1\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            }
            HttpAnswer::LoginPage => {
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 47\r\n\
                 Connection: close\r\n\r\n<html><title>Log in to Lab WiFi</title></html>\n"
            }
        }
    }
}

/// An HTTP/1.1 server on loopback that gives every request the same answer.
pub struct HttpServer {
    pub addr: SocketAddr,
    _task: Task,
}

impl HttpServer {
    pub async fn start(answer: HttpAnswer) -> HttpServer {
        let listener = super::ports::tcp().await;
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut req = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16 * 1024 {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => req.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = stream.write_all(answer.response().as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        HttpServer {
            addr,
            _task: Task(task),
        }
    }

    /// The check URL on this server.
    pub fn url(&self) -> String {
        format!("http://{}/generate_204", self.addr)
    }
}
