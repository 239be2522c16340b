//! The shipped real-system runbooks driven to their end against real
//! PostgreSQL, Redis + Sentinel and PowerDNS, started on 127.0.0.1 by
//! `scripts/estate.sh` (which installs the Debian packages if missing and
//! fails naming them), through the console's own keys, its real sources
//! and its real executor, on the real clock. Then the systems themselves
//! are asked what happened.

#[path = "../common/mod.rs"]
mod common;

mod live;

use std::time::Duration;

use baton::wizard::Target;
use live::{Estate, Live};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_promote_refuses_on_replay_lag_then_promotes_cuts_dns_over_and_fails_back() {
    let estate = Estate::up("pg", 100, "pg,dns");
    let mut live = Live::start(&estate, "estate-pg");
    live.until_ready(&["db"]).await;
    // The service check on site a's database answers through tokio-postgres.
    live.until("the site_a_db check passes", Duration::from_secs(20), |h| {
        h.app.model.sources.iter().any(|s| {
            s.name == "site_a_db"
                && s.passing(h.app.model.now) == Some(true)
                && s.check.as_ref().and_then(|c| c.detail.as_deref()) == Some("answered read-write")
        })
    })
    .await;

    // Replay paused on the standby, writes on the primary: bytes pile up.
    estate
        .psql("127.0.0.12", "select pg_wal_replay_pause()")
        .expect("pause replay");
    estate
        .psql(
            "127.0.0.11",
            "insert into baton_probe(note) select repeat('x', 200) from generate_series(1, 20000)",
        )
        .expect("write on the primary");
    live.until("lag over lag_bytes_abort", Duration::from_secs(20), |h| {
        h.app
            .model
            .pair("db")
            .and_then(|p| p.lag_bytes)
            .is_some_and(|b| b > 1_048_576.0)
    })
    .await;
    live.h.start("postgres-promote", &Target::Pair("db".into()));
    assert_eq!(live.h.position().as_deref(), Some("standby-ready"));
    live.h.code(crossterm::event::KeyCode::Enter);
    assert_eq!(
        live.h.position().as_deref(),
        Some("standby-ready"),
        "the lag gate refuses while replay is paused"
    );
    assert!(
        live.h
            .app
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("does not hold")),
        "{:?}",
        live.h.app.notice
    );
    estate
        .psql("127.0.0.12", "select pg_wal_replay_resume()")
        .expect("resume replay");
    let steps = live.run_to_end().await;
    assert!(steps.contains(&"promote".to_string()), "{steps:?}");

    // The systems say: pg-b takes writes, pg-a refuses them.
    assert_eq!(
        estate
            .psql("127.0.0.12", "select pg_is_in_recovery()")
            .as_deref(),
        Ok("f")
    );
    estate
        .psql(
            "127.0.0.12",
            "insert into baton_probe(note) values ('after')",
        )
        .expect("the new primary accepts a write");
    let refused = estate
        .psql(
            "127.0.0.11",
            "insert into baton_probe(note) values ('split brain?')",
        )
        .expect_err("the old primary refuses a write");
    assert!(refused.contains("read-only"), "{refused}");
    let pair = live.h.app.model.pair("db").expect("db");
    assert_eq!(pair.primary.id, "pg-b", "the roles followed the systems");

    // The report shows the lag measured at the promote, in bytes too.
    let journal = live.journal_of("postgres-promote");
    let report = live::report(&journal);
    assert!(
        report.contains("not replayed) when the cutover started"),
        "{report}"
    );
    let rto = live::recovery_line(&report);

    // DNS: the record moves to the new primary's site at both resolvers.
    live.h.start("dns-cutover", &Target::Pair("db".into()));
    live.run_to_end().await;
    for resolver in ["127.0.0.21", "127.0.0.22"] {
        assert_eq!(
            estate.dns(resolver, "db.estate.test").await,
            vec!["127.0.0.12".to_string()]
        );
    }

    // Failback: pg-a rewound as pg-b's standby, the roles switched back,
    // pg-b rebuilt as pg-a's standby, streaming again.
    live.h
        .start("postgres-failback", &Target::Pair("db".into()));
    live.run_to_end().await;
    estate.assert_primary_streaming_to("127.0.0.11", "pg-b");
    let pair = live.h.app.model.pair("db").expect("db");
    assert_eq!(pair.primary.id, "pg-a", "original roles restored");
    eprintln!("postgres-promote {rto}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_sentinel_failover_goes_on_only_once_the_old_master_is_a_replica() {
    let estate = Estate::up("redis", 200, "redis");
    let mut live = Live::start(&estate, "estate-redis");
    live.until_ready(&["cache"]).await;
    live.h
        .start("redis-sentinel-failover", &Target::Pair("cache".into()));
    let steps = live.run_to_end().await;
    assert!(steps.contains(&"one-master".to_string()), "{steps:?}");
    // Sentinel names the new master; the old master is its replica.
    let master = Estate::redis_cli(&[
        "-h",
        "127.0.0.1",
        "-p",
        &estate.port(26380).to_string(),
        "SENTINEL",
        "get-master-addr-by-name",
        "estate",
    ]);
    assert!(master.starts_with("127.0.0.12\n"), "{master}");
    let info = Estate::redis_cli(&[
        "-h",
        "127.0.0.11",
        "-p",
        &estate.port(16379).to_string(),
        "INFO",
        "replication",
    ]);
    assert!(info.contains("role:slave"), "{info}");
    assert!(info.contains("master_host:127.0.0.12"), "{info}");
    let pair = live.h.app.model.pair("cache").expect("cache");
    assert_eq!(pair.primary.id, "redis-b");
    let report = live::report(&live.journal_of("redis-sentinel-failover"));
    eprintln!("redis-sentinel-failover {}", live::recovery_line(&report));
}

fn site(region: &str, provider: &str) -> Target {
    Target::Area {
        region: region.into(),
        provider: provider.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regional_planned_failover_moves_every_system_and_the_failback_moves_them_back() {
    let estate = Estate::up("region", 300, "pg,redis,dns");
    let mut live = Live::start(&estate, "estate-region");
    live.until_ready(&["db", "cache"]).await;
    live.h
        .start("regional-failover-planned-estate", &site("site-a", "dc-a"));
    live.run_to_end().await;
    estate.assert_primary_streaming_to("127.0.0.12", "pg-a");
    let sentinel = ["-h", "127.0.0.1", "-p", &estate.port(26380).to_string()];
    let master = Estate::redis_cli(
        &[
            &sentinel[..],
            &["SENTINEL", "get-master-addr-by-name", "estate"],
        ]
        .concat(),
    );
    assert!(master.starts_with("127.0.0.12\n"), "{master}");
    for name in ["db.estate.test", "cache.estate.test"] {
        for resolver in ["127.0.0.21", "127.0.0.22"] {
            assert_eq!(
                estate.dns(resolver, name).await,
                vec!["127.0.0.12".to_string()],
                "{name}"
            );
        }
    }
    let planned = live::report(&live.journal_of("regional-failover-planned-estate"));
    // Two cutovers: recovered when the last (the cache) succeeded.
    assert!(
        live::recovery_line(&planned).contains("`cache-failover` succeeded"),
        "{planned}"
    );
    eprintln!("regional planned {}", live::recovery_line(&planned));

    // Failback: rebuild, then (its `then`) the planned failover reversed.
    live.h
        .start("regional-failback-estate", &site("site-b", "dc-b"));
    live.run_to_end().await;
    live.focus_open("regional-failover-planned-estate");
    live.run_to_end().await;
    estate.assert_primary_streaming_to("127.0.0.11", "pg-b");
    let master = Estate::redis_cli(
        &[
            &sentinel[..],
            &["SENTINEL", "get-master-addr-by-name", "estate"],
        ]
        .concat(),
    );
    assert!(master.starts_with("127.0.0.11\n"), "{master}");
    assert_eq!(
        estate.dns("127.0.0.21", "db.estate.test").await,
        vec!["127.0.0.11".to_string()]
    );
    let m = &live.h.app.model;
    assert_eq!(m.pair("db").map(|p| p.primary.id.as_str()), Some("pg-a"));
    assert_eq!(
        m.pair("cache").map(|p| p.primary.id.as_str()),
        Some("redis-a")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regional_emergency_failover_with_the_region_lost_promotes_and_follows_sentinel() {
    let estate = Estate::up("emergency", 400, "pg,redis,dns");
    let mut live = Live::start(&estate, "estate-emergency");
    live.until_ready(&["db", "cache"]).await;
    // Site a is lost: its PostgreSQL stopped, its Redis killed.
    estate.stop_site_a();
    live.until("site-a's primaries down", Duration::from_secs(30), |h| {
        h.app
            .model
            .pair("db")
            .is_some_and(|p| p.primary.id != "pg-a" || p.primary.down)
            && h.app
                .model
                .pair("cache")
                .is_some_and(|p| p.primary.id != "redis-a" || p.primary.down)
    })
    .await;
    live.h.start(
        "regional-failover-emergency-estate",
        &site("site-a", "dc-a"),
    );
    live.run_to_end().await;
    assert_eq!(
        estate
            .psql("127.0.0.12", "select pg_is_in_recovery()")
            .as_deref(),
        Ok("f")
    );
    estate
        .psql(
            "127.0.0.12",
            "insert into baton_probe(note) values ('after the region loss')",
        )
        .expect("the new primary takes writes");
    let info = Estate::redis_cli(&[
        "-h",
        "127.0.0.12",
        "-p",
        &estate.port(16379).to_string(),
        "INFO",
        "replication",
    ]);
    assert!(info.contains("role:master"), "{info}");
    assert_eq!(
        estate.dns("127.0.0.22", "db.estate.test").await,
        vec!["127.0.0.12".to_string()]
    );
    let report = live::report(&live.journal_of("regional-failover-emergency-estate"));
    assert!(report.contains("skipped: primary.down holds"), "{report}");
    eprintln!("regional emergency {}", live::recovery_line(&report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patroni_switchover_then_failover_move_the_leader_as_cluster_says() {
    let estate = Estate::up("patroni", 500, "patroni");
    let mut live = Live::start_on(&estate, "estate-patroni", "patroni.toml");
    live.until_ready(&["pgha"]).await;
    // Whichever node Patroni bootstrapped leads; baton follows it.
    let first = estate.cluster_leader().await;
    let other = if first == "pt-1" { "pt-2" } else { "pt-1" };
    assert_eq!(
        live.h.app.model.pair("pgha").map(|p| p.primary.id.as_str()),
        Some(first.as_str())
    );
    live.h
        .start("patroni-switchover", &Target::Pair("pgha".into()));
    live.run_to_end().await;
    let switchover = live::report(&live.journal_of("patroni-switchover"));
    assert_eq!(estate.cluster_leader().await, other, "{switchover}");
    assert_eq!(
        live.h.app.model.pair("pgha").map(|p| p.primary.id.as_str()),
        Some(other)
    );
    eprintln!("patroni-switchover {}", live::recovery_line(&switchover));

    live.h
        .start("patroni-failover", &Target::Pair("pgha".into()));
    live.run_to_end().await;
    assert_eq!(estate.cluster_leader().await, first);
    let failover = live::report(&live.journal_of("patroni-failover"));
    eprintln!("patroni-failover {}", live::recovery_line(&failover));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_over_the_exporters_shows_the_byte_lag_and_who_is_up() {
    let estate = Estate::up("monitoring", 600, "pg,redis,monitoring");
    let mut live = Live::start_on(&estate, "estate-monitoring", "monitoring.toml");
    live.until(
        "both pairs OK with a byte lag from Prometheus",
        Duration::from_secs(40),
        |h| {
            ["db", "cache"].iter().all(|id| {
                h.app.model.pair(id).is_some_and(|p| {
                    p.state == baton::state::PairState::Ok && p.lag_bytes.is_some()
                })
            })
        },
    )
    .await;
    estate
        .psql("127.0.0.12", "select pg_wal_replay_pause()")
        .expect("pause replay");
    estate
        .psql(
            "127.0.0.11",
            "insert into baton_probe(note) select repeat('x', 200) from generate_series(1, 20000)",
        )
        .expect("write on the primary");
    live.until(
        "db AT RISK on the exporter's byte lag",
        Duration::from_secs(40),
        |h| {
            h.app.model.pair("db").is_some_and(|p| {
                p.state == baton::state::PairState::AtRisk
                    && p.lag_bytes.is_some_and(|b| b > 1_048_576.0)
                    && p.reason.contains("lag_bytes_warn")
            })
        },
    )
    .await;
    estate
        .psql("127.0.0.12", "select pg_wal_replay_resume()")
        .expect("resume replay");
    live.until("db OK again", Duration::from_secs(40), |h| {
        h.app
            .model
            .pair("db")
            .is_some_and(|p| p.state == baton::state::PairState::Ok)
    })
    .await;
}
