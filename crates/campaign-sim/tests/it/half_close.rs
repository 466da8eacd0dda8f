//! Attack from outside: every request is followed at once by the client's FIN (it writes the
//! request, then `shutdown(Write)`), as curl scripts, `nc -N` and some load tools do. A complete
//! request must be answered all the same: the half-closed write side says "no more requests",
//! not "don't answer".

use crate::support::*;
use campaign_sim::SimConfig;
use tokio::task::JoinSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_followed_by_a_fin_is_answered() {
    // Arrange: a thousand requests of two kinds (a bodiless GET, a POST with a body), sent 20
    // at a time, each on its own connection that the client half-closes right after writing.
    let sim = sim(SimConfig::default()).await;
    let addr = sim.addr();
    const N: usize = 1000;
    const AT_ONCE: usize = 20;
    let request = |i: usize| {
        if i.is_multiple_of(2) {
            vg_read(campaign_sim::DOC_SAMPLE_VOICEGENIE_ID)
        } else {
            kore_trigger("demo-voice", if i % 4 == 1 { "play" } else { "stop" })
        }
    };

    // Act
    let mut answered = 0usize;
    let mut unanswered = Vec::new();
    for batch in 0..N / AT_ONCE {
        let mut set = JoinSet::new();
        for j in 0..AT_ONCE {
            let i = batch * AT_ONCE + j;
            let req = request(i);
            set.spawn(async move { (i, one_shot(addr, &req, true).await) });
        }
        while let Some(done) = set.join_next().await {
            let (i, got) = done.expect("task");
            match got.as_deref().ok().and_then(status_of) {
                Some(200 | 400) => answered += 1,
                other => unanswered.push((i, other, got.map(|b| b.len()).map_err(|e| e.kind()))),
            }
        }
    }

    // Assert: the simulator answered every one (its own count), and every one reached the
    // client (ours).
    let served = sim.counters().total;
    assert_eq!(
        (served, answered),
        (N as u64, N),
        "(answered by the simulator, reached the client): {} of {N} half-closed requests got \
         no answer, e.g. {:?}",
        unanswered.len(),
        &unanswered[..unanswered.len().min(5)]
    );
    sim.stop().await;
}
