//! The `dns` source and `dns://` questions against a DNS server played by
//! the test on 127.0.0.1: an answer, NXDOMAIN, silence, garbage.

use std::net::Ipv4Addr;
use std::time::Duration;

use baton::config::SourceCfg;
use baton::sources::report::Payload;
use hickory_client::proto::op::{Message, MessageType, ResponseCode};
use hickory_client::proto::rr::{RData, Record, rdata::A};

#[derive(Clone, Copy)]
enum Plays {
    Answers(Ipv4Addr),
    NxDomain,
    Silent,
    Garbage,
}

/// A UDP DNS server on 127.0.0.1 that plays one part; its port.
async fn server(plays: Plays) -> u16 {
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = sock.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut r = Message::new();
            r.set_id(q.id()).set_message_type(MessageType::Response);
            r.add_queries(q.queries().to_vec());
            let bytes = match plays {
                Plays::Silent => continue,
                Plays::Garbage => vec![0xde, 0xad],
                Plays::NxDomain => {
                    r.set_response_code(ResponseCode::NXDomain);
                    r.to_vec().expect("encode")
                }
                Plays::Answers(ip) => {
                    let name = q.queries()[0].name().clone();
                    r.add_answer(Record::from_rdata(name, 5, RData::A(A(ip))));
                    r.to_vec().expect("encode")
                }
            };
            let _ = sock.send_to(&bytes, peer).await;
        }
    });
    port
}

fn source(port: u16) -> SourceCfg {
    toml::from_str(&format!(
        "name = \"ns\"\nkind = \"dns\"\nurl = \"dns://127.0.0.1:{port}/db.estate.test?type=A\"\ninstance = \"ns-1\"\ntimeout = \"500ms\"\n"
    ))
    .expect("source")
}

async fn poll(plays: Plays) -> Result<String, String> {
    let port = server(plays).await;
    match baton::sources::dns::poll(&source(port)).await {
        Payload::Instances(p) => p[0].result.clone().map(|r| r.status.unwrap_or_default()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_dns_server_is_up_when_it_answers_and_failing_with_what_it_said_otherwise() {
    assert_eq!(
        poll(Plays::Answers(Ipv4Addr::new(127, 0, 0, 12)))
            .await
            .as_deref(),
        Ok("UP")
    );
    let nx = poll(Plays::NxDomain).await.expect_err("NXDOMAIN fails");
    assert!(
        nx.contains("db.estate.test") && nx.contains("no A record"),
        "{nx}"
    );
    let silent = poll(Plays::Silent).await.expect_err("silence fails");
    assert!(
        silent.contains("timed out") || silent.contains("500ms"),
        "{silent}"
    );
    let garbage = poll(Plays::Garbage).await.expect_err("garbage fails");
    assert!(!garbage.is_empty());
}

#[tokio::test]
async fn a_dns_question_gives_the_answers_a_probe_expects() {
    let port = server(Plays::Answers(Ipv4Addr::new(127, 0, 0, 12))).await;
    let q = baton::sources::dns::parse(&format!("dns://127.0.0.1:{port}/db.estate.test"))
        .expect("parse");
    assert_eq!(q.name, "db.estate.test");
    let (status, answer) = baton::sources::dns::ask(&q, Duration::from_secs(1))
        .await
        .expect("answer");
    assert_eq!(status, 200);
    assert_eq!(answer["answer"], "127.0.0.12");
    assert_eq!(answer["ttl"], 5);
}
