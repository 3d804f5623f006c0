//! The SIP server through the real binary, with real SIP peers: sipp registers desk phones
//! with digest authentication over UDP and TCP; malformed and unauthorised requests get
//! the right answer and leave the registered phones alone.

mod common;

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Location, Server, error_code};
use hotline_domain::identity::{tenant_id_for_slug, user_id_for_username};
use serde_json::{Value, json};
use uuid::Uuid;

const PROVISION: &str =
    "mutation($input: ExtensionInput!) { provisionExtension(input: $input) { extension { id number } password } }";

/// Provisions an extension in the demo tenant; returns its SIP password.
async fn provision(server: &Server, token: &str, number: &str) -> String {
    let input = json!({ "input": { "number": number, "displayName": format!("Desk {number}") } });
    let provisioned = server.graphql(Some(token), PROVISION, input).await;
    assert!(provisioned["errors"].is_null(), "{provisioned}");
    provisioned["data"]["provisionExtension"]["password"].as_str().expect("a password").to_owned()
}

/// One of `tests/sipp/`, with the test's values written in place of its placeholders.
fn scenario(name: &str, values: &[(&str, String)]) -> tempfile_path::TempScenario {
    let mut text = std::fs::read_to_string(format!("{}/tests/sipp/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("reading a sipp scenario");
    for (placeholder, value) in values {
        text = text.replace(placeholder, value);
    }
    tempfile_path::TempScenario::write(&text)
}

fn sipp() -> Command {
    let mut command = Command::new("sipp");
    command.args(["-i", "127.0.0.1", "-nostdin"]);
    command
}

/// Runs one sipp registration against the server (sipp succeeds when it got `expected_code`);
/// the phone takes calls at `contact_port`.
fn sipp_register_at(
    server: &Server,
    transport: &str,
    number: &str,
    password: &str,
    expected_code: u16,
    contact_port: u16,
) -> Output {
    let scenario = scenario("register.xml", &[("EXPECTED_CODE", expected_code.to_string())]);
    let address = server.sip_address.as_deref().expect("SIP is on");
    sipp()
        .arg(address)
        .args(["-sf", scenario.path()])
        .args(["-t", transport, "-m", "1", "-timeout", "20s", "-timeout_error"])
        .args([
            "-key",
            "domain",
            "demo",
            "-key",
            "extension",
            number,
            "-key",
            "contact_port",
            &contact_port.to_string(),
        ])
        .args(["-au", number, "-ap", password])
        .output()
        .expect("running sipp (scripts/test.sh installs sip-tester)")
}

fn sipp_register(server: &Server, transport: &str, number: &str, password: &str, expected_code: u16) -> Output {
    sipp_register_at(server, transport, number, password, expected_code, 5999)
}

fn assert_sipp_passed(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: sipp failed ({:?})\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout).lines().rev().take(30).collect::<Vec<_>>().join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_desk_phone_registers_its_extension_with_digest_authentication_over_udp_and_tcp() {
    let server = Server::start(&Location::embedded());
    let token = server.demo_admin_token().await;
    let password = provision(&server, &token, "1001").await;

    assert_sipp_passed(&sipp_register(&server, "u1", "1001", &password, 200), "UDP registration");
    assert_sipp_passed(&sipp_register(&server, "t1", "1001", &password, 200), "TCP registration");
    // Wrong password, unknown extension: the same 403, so extensions cannot be guessed.
    assert_sipp_passed(&sipp_register(&server, "u1", "1001", "not-the-password", 403), "wrong password");
    assert_sipp_passed(&sipp_register(&server, "u1", "1999", &password, 403), "unknown extension");

    // After a rotation the old password no longer registers, the new one does.
    let extensions = server.graphql(Some(&token), "{ extensions { id number } }", json!({})).await;
    let id = extensions["data"]["extensions"][0]["id"].clone();
    let rotated = server
        .graphql(
            Some(&token),
            "mutation($id: UUID!) { rotateExtensionPassword(id: $id) { password } }",
            json!({ "id": id }),
        )
        .await;
    let new_password =
        rotated["data"]["rotateExtensionPassword"]["password"].as_str().expect("a new password").to_owned();
    assert_sipp_passed(&sipp_register(&server, "u1", "1001", &password, 403), "the rotated-out password");
    assert_sipp_passed(&sipp_register(&server, "u1", "1001", &new_password, 200), "the new password");
}

/// Sends one datagram and returns the status line of the answer, if one comes.
fn exchange(socket: &UdpSocket, server: &str, message: &str) -> Option<String> {
    socket.send_to(message.replace('\n', "\r\n").as_bytes(), server).expect("sending");
    let mut buffer = [0_u8; 4096];
    match socket.recv_from(&mut buffer) {
        Ok((length, _)) => {
            let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
            Some(text.lines().next().unwrap_or_default().to_owned())
        }
        Err(_) => None,
    }
}

fn request(method: &str, to: &str, extra: &str, branch: &str, port: u16) -> String {
    format!(
        "{method} sip:demo SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\nFrom: <sip:1001@demo>;tag=t{branch}\nTo: {to}\nCall-ID: {branch}@127.0.0.1\nCSeq: 1 {method}\nContact: <sip:1001@127.0.0.1:{port}>\nMax-Forwards: 70\n{extra}Content-Length: 0\n\n"
    )
}

#[tokio::test]
async fn bad_sip_gets_the_right_answer_and_leaves_registered_phones_alone() {
    let server = Server::start(&Location::embedded());
    let token = server.demo_admin_token().await;
    let password = provision(&server, &token, "1002").await;
    assert_sipp_passed(&sipp_register(&server, "u1", "1002", &password, 200), "registration before");

    let address = server.sip_address.clone().expect("SIP is on");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let port = socket.local_addr().unwrap().port();

    // Not SIP at all: dropped, and the server goes on answering.
    socket.send_to(b"\x00\x01garbage that is not SIP\r\n\r\n", &address).unwrap();
    let ok = exchange(&socket, &address, &request("OPTIONS", "<sip:demo>", "", "opt1", port));
    assert_eq!(ok.as_deref(), Some("SIP/2.0 200 OK"));

    // A SIP domain that names no tenant (an IP address): 404.
    let no_tenant = exchange(&socket, &address, &request("REGISTER", "<sip:1002@127.0.0.1>", "", "reg1", port));
    assert_eq!(no_tenant.as_deref(), Some("SIP/2.0 404 Not Found"));
    // An address of record without an extension: 400.
    let no_user = exchange(&socket, &address, &request("REGISTER", "<sip:demo>", "", "reg2", port));
    assert_eq!(no_user.as_deref(), Some("SIP/2.0 400 Bad Request"));
    // A malformed Expires: 400.
    let bad_expiry =
        exchange(&socket, &address, &request("REGISTER", "<sip:1002@demo>", "Expires: soon\n", "reg3", port));
    assert_eq!(bad_expiry.as_deref(), Some("SIP/2.0 400 Bad Request"));
    // Credentials with a nonce we never issued: challenged again.
    let forged = "Authorization: Digest username=\"1002\", realm=\"demo\", nonce=\"00000000000000000000000000000000000000000000000000\", uri=\"sip:demo\", response=\"00000000000000000000000000000000\", algorithm=MD5\n";
    let challenged = exchange(&socket, &address, &request("REGISTER", "<sip:1002@demo>", forged, "reg4", port));
    assert_eq!(challenged.as_deref(), Some("SIP/2.0 401 Unauthorized"));
    // Garbled credentials: 400.
    let garbled =
        exchange(&socket, &address, &request("REGISTER", "<sip:1002@demo>", "Authorization: Digest\n", "reg5", port));
    assert_eq!(garbled.as_deref(), Some("SIP/2.0 400 Bad Request"));
    // A method the server does not take yet.
    let subscribe =
        exchange(&socket, &address, &request("SUBSCRIBE", "<sip:1002@demo>", "Event: presence\n", "sub1", port));
    assert_eq!(subscribe.as_deref(), Some("SIP/2.0 405 Method Not Allowed"));

    // The phone registered before is still bound, and registers again as before.
    let registered = server.graphql(Some(&token), "{ extensions { number registered } }", json!({})).await;
    assert_eq!(registered["data"]["extensions"], json!([{ "number": "1002", "registered": true }]), "{registered}");
    assert_sipp_passed(&sipp_register(&server, "u1", "1002", &password, 200), "registration after");
}

/// A free UDP port on loopback (bound and released; fine for a test's own processes).
fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A UDP port whose next three are free too: sipp binds its media port and the three after it
/// (RTCP, and video RTP and RTCP). Another test's socket may still take one before sipp does;
/// [`call_in_at`] tries again then.
fn free_media_port() -> u16 {
    loop {
        let first = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        let rest: Vec<_> =
            (1..4).map_while(|offset| UdpSocket::bind(("127.0.0.1", port.checked_add(offset)?)).ok()).collect();
        if rest.len() == 3 {
            return port;
        }
    }
}

/// An agent's desk phone: sipp answering one call (ringing, then 200 with a PCMU answer) and
/// echoing the RTP it receives; killed when dropped.
struct DeskPhone {
    child: Child,
    port: u16,
}

impl DeskPhone {
    fn start() -> Self {
        Self::spawn(&["-sn", "uas", "-rtp_echo"])
    }

    /// A phone that answers, then holds and resumes the call with re-INVITEs.
    fn holding() -> (Self, tempfile_path::TempScenario) {
        let scenario = scenario("holding_phone.xml", &[]);
        (Self::spawn(&["-sf", scenario.path()]), scenario)
    }

    /// A phone that answers every call with 486 Busy Here.
    fn busy() -> (Self, tempfile_path::TempScenario) {
        let scenario = scenario("busy_phone.xml", &[]);
        (Self::spawn(&["-sf", scenario.path()]), scenario)
    }

    fn spawn(args: &[&str]) -> Self {
        let port = free_udp_port();
        let media_port = free_media_port();
        let child = sipp()
            .args(args)
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string(), "-m", "1", "-timeout", "60s"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("running sipp");
        Self { child, port }
    }

    /// Waits for the phone's one call to end; true when sipp saw it through.
    fn finished(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for DeskPhone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ACCESS_NUMBER: &str = "4000";

/// Provisions an extension for a demo agent; returns its SIP password.
async fn provision_for(server: &Server, token: &str, number: &str, username: &str) -> String {
    let agent = user_id_for_username(tenant_id_for_slug("demo"), username);
    let input = json!({ "input": { "number": number, "displayName": format!("{username}'s desk"), "userId": agent } });
    let provisioned = server.graphql(Some(token), PROVISION, input).await;
    assert!(provisioned["errors"].is_null(), "{provisioned}");
    provisioned["data"]["provisionExtension"]["password"].as_str().unwrap().to_owned()
}

/// The demo tenant's telephony: agent1 with extension 2001, a trunk from 127.0.0.1 and an
/// access number to the demo queue. Returns agent1's SIP password.
async fn provision_telephony(server: &Server, token: &str) -> String {
    let queue = Uuid::new_v5(&tenant_id_for_slug("demo"), b"first-queue");
    let password = provision_for(server, token, "2001", "agent1").await;
    let trunk = server
        .graphql(
            Some(token),
            "mutation($input: TrunkInput!) { defineTrunk(input: $input) { id } }",
            json!({ "input": { "name": "Carrier", "peers": ["127.0.0.1"] } }),
        )
        .await;
    assert!(trunk["errors"].is_null(), "{trunk}");
    let number = server
        .graphql(
            Some(token),
            "mutation($input: AccessNumberInput!) { assignAccessNumber(input: $input) { number } }",
            json!({ "input": { "number": ACCESS_NUMBER, "queueId": queue, "description": "Hotline" } }),
        )
        .await;
    assert!(number["errors"].is_null(), "{number}");
    password
}

async fn set_presence(server: &Server, token: &str, state: &str) {
    let response = server
        .graphql(
            Some(token),
            "mutation($s: PresenceState!) { setPresence(state: $s) { presence { state } } }",
            json!({ "s": state }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

/// A customer's call through the trunk; sipp succeeds when the call went as scripted.
fn call_in(server: &Server, wait_ms: u64, speak_ms: u64) -> Output {
    call_in_at(server.sip_address.as_deref().expect("SIP is on"), wait_ms, speak_ms)
}

fn call_in_at(address: &str, wait_ms: u64, speak_ms: u64) -> Output {
    let scenario = scenario(
        "caller.xml",
        &[
            ("WAIT_MS", wait_ms.to_string()),
            ("SPEAK_MS", speak_ms.to_string()),
            ("CALLER_SPEECH", "play_pcap_audio=\"/usr/share/sip-tester/g711a.pcap\"".to_owned()),
        ],
    );
    let run = || {
        sipp()
            .arg(address)
            .args(["-sf", scenario.path(), "-s", ACCESS_NUMBER, "-key", "caller", "+8613800138000"])
            .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-mp", &free_media_port().to_string()])
            .output()
            .expect("running sipp")
    };
    let output = run();
    // sipp stops before its call when a media port was taken in between: once more, then.
    let port_taken = |output: &Output| {
        [&output.stdout, &output.stderr]
            .iter()
            .any(|text| String::from_utf8_lossy(text).contains("Address already in use"))
    };
    if !output.status.success() && port_taken(&output) { run() } else { output }
}

/// The call events and the ACD's events about calls, oldest first, once `until` is there.
async fn call_history(server: &Server, token: &str, until: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let page = server
            .graphql(
                Some(token),
                "query($f: AuditLogFilter) { auditLog(filter: $f, first: 500) { items { type payload } } }",
                json!({ "f": { "types": [
                    "hotline.call.arrived", "hotline.call.agent_ringing", "hotline.call.agent_leg_failed",
                    "hotline.call.answered", "hotline.call.held", "hotline.call.resumed", "hotline.call.transferred",
                    "hotline.call.ended", "hotline.call.recording_stored", "hotline.call.dialed",
                    "hotline.call.callee_answered", "hotline.call.callee_failed", "hotline.call.consult_started",
                    "hotline.call.consult_answered", "hotline.call.consult_ended", "hotline.call.consult_completed",
                    "hotline.acd.contact_handed_over",
                    "hotline.acd.contact_queued", "hotline.acd.contact_offered", "hotline.acd.offer_accepted",
                    "hotline.acd.offer_rejected", "hotline.acd.contact_finished", "hotline.acd.contact_abandoned"
                ] } }),
            )
            .await;
        let items = page["data"]["auditLog"]["items"].as_array().cloned().unwrap_or_else(|| panic!("{page}"));
        // The demo tenant's chat bootstrap has no voice contacts: every item is this test's.
        if items.iter().any(|item| item["type"] == until) {
            return items;
        }
        assert!(Instant::now() < deadline, "no {until} event: {items:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The `hotline.call.*` types of a history, in order (the ACD's events left out).
fn call_types(history: &[Value]) -> Vec<&str> {
    types(history).into_iter().filter(|kind| kind.starts_with("hotline.call.")).collect()
}

fn types(history: &[Value]) -> Vec<&str> {
    history.iter().map(|item| item["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_call_from_a_trunk_is_queued_offered_rung_answered_bridged_and_recorded() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let password = provision_telephony(&server, &admin).await;
    let agent = server.login("demo", "agent1", server.demo_password.as_deref().unwrap()).await;
    set_presence(&server, &agent, "AVAILABLE").await;
    let mut phone = DeskPhone::start();
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2001", &password, 200, phone.port), "the agent's phone");

    let caller = call_in(&server, 1_000, 8_000);
    assert_sipp_passed(&caller, "the caller");
    let history = call_history(&server, &admin, "hotline.call.ended").await;
    assert!(phone.finished(), "the agent's phone saw the call through to the BYE: {:?}", types(&history));

    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    assert_eq!(
        types(&history),
        [
            "hotline.call.arrived",
            "hotline.acd.contact_queued",
            "hotline.acd.contact_offered",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.acd.offer_accepted",
            "hotline.call.ended",
            "hotline.acd.contact_finished",
            "hotline.call.recording_stored",
        ]
    );
    let ended = &history[6]["payload"];
    assert_eq!(ended["cause"], "caller_hung_up");
    assert!(!history[0]["payload"].to_string().contains("13800138000"), "the caller's number is sealed");
    // sipp's recording is eight seconds: the caller's track holds it, and the agent's track
    // holds the phone's echo of it, so media went both ways through the relay.
    let recorded = history[8]["payload"]["duration_ms"].as_u64().unwrap();
    assert!((7_500..=11_000).contains(&recorded), "recorded {recorded} ms");
    // sipp sent its recording (236 packets of 30 ms) and the phone echoed them back through
    // the relay: media went both ways, with no more than 1% lost on loopback.
    let metrics = server.http.get(format!("{}/metrics", server.base_url)).send().await.unwrap().text().await.unwrap();
    let packets = |from: &str| -> u64 {
        let prefix = format!("hotline_rtp_packets_received_total{{from=\"{from}\"}} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(prefix.as_str()))
            .and_then(|value| value.parse().ok())
            .unwrap_or(0)
    };
    assert!(packets("caller") >= 200 && packets("agent") * 100 >= packets("caller") * 99, "{metrics}");
}

#[tokio::test]
async fn a_busy_phone_refuses_the_offer_and_the_call_goes_to_the_next_agent() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let first_password = provision_telephony(&server, &admin).await;
    let second_password = provision_for(&server, &admin, "2002", "agent2").await;
    let demo_password = server.demo_password.clone().unwrap();
    let first = server.login("demo", "agent1", &demo_password).await;
    let second = server.login("demo", "agent2", &demo_password).await;
    // agent1 has been idle longest, so the ACD offers the call to agent1 first.
    set_presence(&server, &first, "AVAILABLE").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    set_presence(&server, &second, "AVAILABLE").await;
    let (busy, _scenario) = DeskPhone::busy();
    let mut free = DeskPhone::start();
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2001", &first_password, 200, busy.port), "agent1's phone");
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2002", &second_password, 200, free.port), "agent2's phone");

    assert_sipp_passed(&call_in(&server, 1_500, 2_000), "the caller");
    assert!(free.finished(), "agent2's phone took the call");
    let history = call_history(&server, &admin, "hotline.call.ended").await;
    assert_eq!(
        types(&history)[..10],
        [
            "hotline.call.arrived",
            "hotline.acd.contact_queued",
            "hotline.acd.contact_offered",
            "hotline.call.agent_ringing",
            "hotline.call.agent_leg_failed",
            "hotline.acd.offer_rejected",
            "hotline.acd.contact_offered",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.acd.offer_accepted",
        ]
    );
    let agent = |name: &str| json!(user_id_for_username(tenant_id_for_slug("demo"), name));
    assert_eq!(history[4]["payload"]["failure"], "busy");
    assert_eq!(history[3]["payload"]["agent_id"], agent("agent1"));
    assert_eq!(history[8]["payload"]["agent_id"], agent("agent2"));
}

/// agent1 (available) and agent2 (not yet), signed in, each with a desk phone registered.
struct TwoAgents {
    first: String,
    second: String,
    first_phone: DeskPhone,
    second_phone: DeskPhone,
}

async fn two_agents_with_phones(server: &Server, admin: &str) -> TwoAgents {
    let first_password = provision_telephony(server, admin).await;
    let second_password = provision_for(server, admin, "2002", "agent2").await;
    let demo_password = server.demo_password.clone().unwrap();
    let first = server.login("demo", "agent1", &demo_password).await;
    let second = server.login("demo", "agent2", &demo_password).await;
    set_presence(server, &first, "AVAILABLE").await;
    let (first_phone, second_phone) = (DeskPhone::start(), DeskPhone::start());
    assert_sipp_passed(
        &sipp_register_at(server, "u1", "2001", &first_password, 200, first_phone.port),
        "agent1's phone",
    );
    assert_sipp_passed(
        &sipp_register_at(server, "u1", "2002", &second_password, 200, second_phone.port),
        "agent2's phone",
    );
    TwoAgents { first, second, first_phone, second_phone }
}

#[tokio::test]
async fn an_agent_holds_then_transfers_the_call_to_a_second_agents_phone_from_the_web_app() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let TwoAgents { first, second, mut first_phone, mut second_phone } = two_agents_with_phones(&server, &admin).await;

    let caller = {
        let address = server.sip_address.clone().unwrap();
        tokio::task::spawn_blocking(move || call_in_at(&address, 500, 9_000))
    };
    let answered = call_history(&server, &admin, "hotline.call.answered").await;
    let call_id = answered[0]["payload"]["call_id"].as_str().unwrap().to_owned();
    // The softphone bar's view, once the read model has the answer.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let my_call = server.graphql(Some(&first), "{ myCall { id status } }", json!({})).await;
        if my_call["data"]["myCall"] == json!({ "id": call_id, "status": "CONNECTED" }) {
            break;
        }
        assert!(Instant::now() < deadline, "agent1's softphone never showed the call connected: {my_call}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Hold and resume from the softphone bar; agent2 may not touch agent1's call.
    let instruct = |mutation: &'static str| format!("mutation($id: UUID!) {{ {mutation}(id: $id) {{ status }} }}");
    let held = server.graphql(Some(&first), &instruct("holdCall"), json!({ "id": call_id })).await;
    assert_eq!(held["data"]["holdCall"]["status"], "HELD", "{held}");
    let stranger = server.graphql(Some(&second), &instruct("resumeCall"), json!({ "id": call_id })).await;
    assert_eq!(common::error_code(&stranger), "call.not_connected", "{stranger}");
    let resumed = server.graphql(Some(&first), &instruct("resumeCall"), json!({ "id": call_id })).await;
    assert_eq!(resumed["data"]["resumeCall"]["status"], "CONNECTED", "{resumed}");

    // A blind transfer to agent2, who becomes available for it.
    set_presence(&server, &second, "AVAILABLE").await;
    let agent2 = user_id_for_username(tenant_id_for_slug("demo"), "agent2");
    let transferred = server
        .graphql(
            Some(&first),
            "mutation($id: UUID!, $to: UUID) { transferCall(id: $id, toAgentId: $to) { status } }",
            json!({ "id": call_id, "to": agent2 }),
        )
        .await;
    assert!(transferred["errors"].is_null(), "{transferred}");
    assert!(first_phone.finished(), "agent1's phone was hung up by the transfer");

    assert_sipp_passed(&caller.await.unwrap(), "the caller");
    assert!(second_phone.finished(), "agent2's phone took the call to its end");
    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    let call_types = call_types(&history);
    assert_eq!(
        call_types,
        [
            "hotline.call.arrived",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.held",
            "hotline.call.resumed",
            "hotline.call.transferred",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.ended",
            "hotline.call.recording_stored",
        ]
    );
    let ended = history.iter().find(|item| item["type"] == "hotline.call.ended").unwrap();
    assert_eq!(ended["payload"]["agent_id"], json!(agent2));
}

/// The consultation as `token`'s softphone bar shows it, once `ready` holds.
async fn my_call_when(server: &Server, token: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let my_call = server
            .graphql(Some(token), "{ myCall { id status agentId consultAgentId consultStatus } }", json!({}))
            .await;
        if ready(&my_call["data"]["myCall"]) {
            return my_call["data"]["myCall"].clone();
        }
        assert!(Instant::now() < deadline, "the softphone bar never showed what was expected: {my_call}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const CONSULT: &str =
    "mutation($id: UUID!, $agent: UUID!) { consultCall(id: $id, agentId: $agent) { status consultStatus } }";

/// A call from the trunk answered by agent1's phone; agent2 becomes available after that.
/// Answers the call's id and the caller's sipp, which hangs up after `speak_ms`.
async fn answered_by_agent1(
    server: &Server,
    admin: &str,
    agents: &TwoAgents,
    speak_ms: u64,
) -> (String, tokio::task::JoinHandle<Output>) {
    let caller = {
        let address = server.sip_address.clone().unwrap();
        tokio::task::spawn_blocking(move || call_in_at(&address, 500, speak_ms))
    };
    let answered = call_history(server, admin, "hotline.call.answered").await;
    let call_id = answered[0]["payload"]["call_id"].as_str().unwrap().to_owned();
    my_call_once(server, &agents.first, "CONNECTED").await;
    set_presence(server, &agents.second, "AVAILABLE").await;
    (call_id, caller)
}

#[tokio::test]
async fn an_agent_consults_a_second_agent_and_completes_the_transfer_to_them() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agents = two_agents_with_phones(&server, &admin).await;
    let (agent1, agent2) = (
        user_id_for_username(tenant_id_for_slug("demo"), "agent1"),
        user_id_for_username(tenant_id_for_slug("demo"), "agent2"),
    );
    let (call_id, caller) = answered_by_agent1(&server, &admin, &agents, 9_000).await;

    let consulted = server.graphql(Some(&agents.first), CONSULT, json!({ "id": call_id, "agent": agent2 })).await;
    assert_eq!(consulted["data"]["consultCall"]["status"], "HELD", "the caller is held: {consulted}");
    // agent2's phone answers at once: their bar shows the consultation, and the ACD offers
    // them nothing else meanwhile.
    let seen_by_agent2 = my_call_when(&server, &agents.second, |call| call["consultStatus"] == "CONNECTED").await;
    assert_eq!(seen_by_agent2["agentId"], json!(agent1));
    assert_eq!(seen_by_agent2["consultAgentId"], json!(agent2));
    assert_eq!(presence_state(&server, &agents.second).await, "BUSY");
    let early = server
        .graphql(
            Some(&agents.second),
            "mutation($id: UUID!) { holdCall(id: $id) { status } }",
            json!({ "id": call_id }),
        )
        .await;
    assert_eq!(common::error_code(&early), "call.not_connected", "the consulted agent only hangs up: {early}");

    let completed = server
        .graphql(
            Some(&agents.first),
            "mutation($id: UUID!) { completeTransfer(id: $id) { status agentId consultStatus } }",
            json!({ "id": call_id }),
        )
        .await;
    assert_eq!(
        completed["data"]["completeTransfer"],
        json!({ "status": "CONNECTED", "agentId": agent2, "consultStatus": null }),
        "{completed}"
    );
    let TwoAgents { mut first_phone, mut second_phone, first, second } = agents;
    assert!(first_phone.finished(), "agent1's phone was hung up by the transfer");
    let idle = server.graphql(Some(&first), "{ myCall { id } }", json!({})).await;
    assert!(idle["data"]["myCall"].is_null(), "agent1's bar is idle: {idle}");
    assert_eq!(
        presence_state(&server, &second).await,
        "AVAILABLE",
        "agent2's presence is back; the ACD load holds the call"
    );

    assert_sipp_passed(&caller.await.unwrap(), "the caller");
    assert!(second_phone.finished(), "agent2's phone took the call to its end");
    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    let call_types = call_types(&history);
    assert_eq!(
        call_types,
        [
            "hotline.call.arrived",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.held",
            "hotline.call.consult_started",
            "hotline.call.consult_answered",
            "hotline.call.consult_completed",
            "hotline.call.ended",
            "hotline.call.recording_stored",
        ]
    );
    let handed_over = history
        .iter()
        .find(|item| item["type"] == "hotline.acd.contact_handed_over")
        .expect("the ACD hands the contact over");
    assert_eq!(handed_over["payload"]["to_agent_id"], json!(agent2));
    let ended = history.iter().find(|item| item["type"] == "hotline.call.ended").unwrap();
    assert_eq!(ended["payload"]["agent_id"], json!(agent2));
    // The ACD finished the contact with agent2, who had it after the hand-over.
    let finished = history.iter().find(|item| item["type"] == "hotline.acd.contact_finished").unwrap();
    assert_eq!(finished["payload"]["agent_id"], json!(agent2));
}

#[tokio::test]
async fn an_agent_who_cancels_a_consultation_is_back_with_the_caller() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agents = two_agents_with_phones(&server, &admin).await;
    let (agent1, agent2) = (
        user_id_for_username(tenant_id_for_slug("demo"), "agent1"),
        user_id_for_username(tenant_id_for_slug("demo"), "agent2"),
    );
    let (call_id, caller) = answered_by_agent1(&server, &admin, &agents, 8_000).await;
    let instruct =
        |mutation: &'static str| format!("mutation($id: UUID!) {{ {mutation}(id: $id) {{ status consultStatus }} }}");

    let nothing = server.graphql(Some(&agents.first), &instruct("completeTransfer"), json!({ "id": call_id })).await;
    assert_eq!(common::error_code(&nothing), "call.not_consulting", "{nothing}");
    let own = server.graphql(Some(&agents.first), CONSULT, json!({ "id": call_id, "agent": agent1 })).await;
    assert_eq!(common::error_code(&own), "call.consult_self", "{own}");
    let stranger = server.graphql(Some(&agents.second), CONSULT, json!({ "id": call_id, "agent": agent2 })).await;
    assert_eq!(common::error_code(&stranger), "call.not_connected", "{stranger}");

    let consulted = server.graphql(Some(&agents.first), CONSULT, json!({ "id": call_id, "agent": agent2 })).await;
    assert!(consulted["errors"].is_null(), "{consulted}");
    my_call_when(&server, &agents.second, |call| call["consultStatus"] == "CONNECTED").await;
    let again = server.graphql(Some(&agents.first), CONSULT, json!({ "id": call_id, "agent": agent2 })).await;
    assert_eq!(common::error_code(&again), "call.consult_in_progress", "{again}");

    let back = server.graphql(Some(&agents.first), &instruct("cancelConsult"), json!({ "id": call_id })).await;
    assert_eq!(back["data"]["cancelConsult"], json!({ "status": "CONNECTED", "consultStatus": null }), "{back}");
    let TwoAgents { mut first_phone, mut second_phone, second, .. } = agents;
    assert!(second_phone.finished(), "agent2's phone was hung up");
    let idle = server.graphql(Some(&second), "{ myCall { id } }", json!({})).await;
    assert!(idle["data"]["myCall"].is_null(), "agent2's bar is idle: {idle}");
    assert_eq!(presence_state(&server, &second).await, "AVAILABLE");

    assert_sipp_passed(&caller.await.unwrap(), "the caller");
    assert!(first_phone.finished(), "agent1's phone had the call to its end");
    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    let call_types = call_types(&history);
    assert_eq!(
        call_types,
        [
            "hotline.call.arrived",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.held",
            "hotline.call.consult_started",
            "hotline.call.consult_answered",
            "hotline.call.consult_ended",
            "hotline.call.resumed",
            "hotline.call.ended",
            "hotline.call.recording_stored",
        ]
    );
    let ended = history.iter().find(|item| item["type"] == "hotline.call.ended").unwrap();
    assert_eq!(ended["payload"]["agent_id"], json!(agent1));
}

#[tokio::test]
async fn a_consulted_phone_that_is_busy_ends_the_consultation_and_the_caller_is_back() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let first_password = provision_telephony(&server, &admin).await;
    let second_password = provision_for(&server, &admin, "2002", "agent2").await;
    let demo_password = server.demo_password.clone().unwrap();
    let first = server.login("demo", "agent1", &demo_password).await;
    let second = server.login("demo", "agent2", &demo_password).await;
    set_presence(&server, &first, "AVAILABLE").await;
    let mut first_phone = DeskPhone::start();
    let (busy, _scenario) = DeskPhone::busy();
    assert_sipp_passed(
        &sipp_register_at(&server, "u1", "2001", &first_password, 200, first_phone.port),
        "agent1's phone",
    );
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2002", &second_password, 200, busy.port), "agent2's phone");
    let caller = {
        let address = server.sip_address.clone().unwrap();
        tokio::task::spawn_blocking(move || call_in_at(&address, 500, 6_000))
    };
    let answered = call_history(&server, &admin, "hotline.call.answered").await;
    let call_id = answered[0]["payload"]["call_id"].as_str().unwrap().to_owned();
    my_call_once(&server, &first, "CONNECTED").await;
    set_presence(&server, &second, "AVAILABLE").await;

    let agent2 = user_id_for_username(tenant_id_for_slug("demo"), "agent2");
    let consulted = server.graphql(Some(&first), CONSULT, json!({ "id": call_id, "agent": agent2 })).await;
    assert!(consulted["errors"].is_null(), "{consulted}");
    // agent2's phone answers 486: the consultation ends, agent1 is back with the caller.
    my_call_when(&server, &first, |call| call["status"] == "CONNECTED" && call["consultStatus"].is_null()).await;
    assert_eq!(presence_state(&server, &second).await, "AVAILABLE", "agent2's presence is back");

    assert_sipp_passed(&caller.await.unwrap(), "the caller");
    assert!(first_phone.finished(), "agent1's phone had the call to its end");
    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    let call_types = call_types(&history);
    assert_eq!(
        call_types,
        [
            "hotline.call.arrived",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.held",
            "hotline.call.consult_started",
            "hotline.call.consult_ended",
            "hotline.call.resumed",
            "hotline.call.ended",
            "hotline.call.recording_stored",
        ]
    );
    let ended = history.iter().find(|item| item["type"] == "hotline.call.consult_ended").unwrap();
    assert_eq!(ended["payload"]["failure"], "busy");
}

#[tokio::test]
async fn a_desk_phone_holds_and_resumes_the_call_with_re_invites() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let password = provision_telephony(&server, &admin).await;
    let agent = server.login("demo", "agent1", server.demo_password.as_deref().unwrap()).await;
    set_presence(&server, &agent, "AVAILABLE").await;
    let (mut phone, _scenario) = DeskPhone::holding();
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2001", &password, 200, phone.port), "the agent's phone");

    assert_sipp_passed(&call_in(&server, 500, 3_000), "the caller");
    assert!(phone.finished(), "the phone held, resumed and took the BYE");
    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    let call_types = call_types(&history);
    assert_eq!(
        call_types,
        [
            "hotline.call.arrived",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.held",
            "hotline.call.resumed",
            "hotline.call.ended",
            "hotline.call.recording_stored",
        ]
    );
    let ended = history.iter().find(|item| item["type"] == "hotline.call.ended").unwrap();
    let hold_ms = ended["payload"]["hold_ms"].as_u64().unwrap();
    assert!((700..=3_000).contains(&hold_ms), "held for {hold_ms} ms");
}

#[tokio::test]
async fn a_caller_who_hangs_up_while_queued_is_an_abandoned_call() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    provision_telephony(&server, &admin).await;
    // Nobody is available: the call waits with music until the caller gives up.
    let caller = call_in(&server, 1_500, 0);
    assert_sipp_passed(&caller, "the caller");
    let history = call_history(&server, &admin, "hotline.acd.contact_abandoned").await;
    assert_eq!(
        types(&history),
        ["hotline.call.arrived", "hotline.acd.contact_queued", "hotline.call.ended", "hotline.acd.contact_abandoned"]
    );
    assert_eq!(history[2]["payload"]["cause"], "abandoned");
}

/// The customer at the carrier's end of a call out: sipp answering after a second with
/// A-law and speaking (sipp's seven-second recording) until hung up.
fn customer_phone() -> (DeskPhone, tempfile_path::TempScenario) {
    let scenario = scenario(
        "callee.xml",
        &[
            ("RING_MS", "1000".to_owned()),
            ("CALLEE_SPEECH", "play_pcap_audio=\"/usr/share/sip-tester/g711a.pcap\"".to_owned()),
        ],
    );
    (DeskPhone::spawn(&["-sf", scenario.path()]), scenario)
}

/// Points the demo tenant's trunk's calls out at `port` on loopback.
async fn route_calls_out_to(server: &Server, token: &str, port: u16) {
    let trunks = server.graphql(Some(token), "{ trunks { id } }", json!({})).await;
    let trunk_id = trunks["data"]["trunks"][0]["id"].as_str().unwrap_or_else(|| panic!("{trunks}")).to_owned();
    let input = json!({ "name": "Carrier", "peers": ["127.0.0.1"], "outboundAddress": format!("127.0.0.1:{port}") });
    let updated = server
        .graphql(
            Some(token),
            "mutation($id: UUID!, $input: TrunkInput!) { updateTrunk(id: $id, input: $input) { id } }",
            json!({ "id": trunk_id, "input": input }),
        )
        .await;
    assert!(updated["errors"].is_null(), "{updated}");
}

const DIAL: &str = "mutation($n: String!) { dial(number: $n) { id status direction dialedNumber callerNumber \
                    accessNumber queueId ringingAgentId } }";

async fn presence_state(server: &Server, token: &str) -> Value {
    let desk = server.graphql(Some(token), "{ myDesk { presence { state } } }", json!({})).await;
    desk["data"]["myDesk"]["presence"]["state"].clone()
}

/// The softphone bar's call, once it has `status`.
async fn my_call_once(server: &Server, token: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let my_call = server.graphql(Some(token), "{ myCall { id status } }", json!({})).await;
        if my_call["data"]["myCall"]["status"] == status {
            return my_call["data"]["myCall"].clone();
        }
        assert!(Instant::now() < deadline, "the softphone bar never showed {status}: {my_call}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_agent_calls_a_customer_out_through_the_trunk_their_phone_first_then_the_customer() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let password = provision_telephony(&server, &admin).await;
    let agent = server.login("demo", "agent1", server.demo_password.as_deref().unwrap()).await;
    set_presence(&server, &agent, "AVAILABLE").await;
    let mut phone = DeskPhone::start();
    let (mut customer, _scenario) = customer_phone();

    // Nothing is called before the agent has a phone and the tenant a way out.
    let refused = server.graphql(Some(&agent), DIAL, json!({ "n": "+86 138-0013-8000" })).await;
    assert_eq!(error_code(&refused), "call.no_phone", "{refused}");
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2001", &password, 200, phone.port), "the agent's phone");
    let refused = server.graphql(Some(&agent), DIAL, json!({ "n": "+86 138-0013-8000" })).await;
    assert_eq!(error_code(&refused), "call.no_trunk", "{refused}");
    route_calls_out_to(&server, &admin, customer.port).await;
    let refused = server.graphql(Some(&agent), DIAL, json!({ "n": "call me" })).await;
    assert_eq!(error_code(&refused), "call.invalid_number", "{refused}");

    let dialed = server.graphql(Some(&agent), DIAL, json!({ "n": "+86 138-0013-8000" })).await;
    let call = &dialed["data"]["dial"];
    assert_eq!(
        (&call["direction"], &call["dialedNumber"], &call["callerNumber"], &call["queueId"]),
        (&json!("OUTBOUND"), &json!("+8613800138000"), &Value::Null, &Value::Null),
        "{dialed}"
    );
    // The agent's phone rings (sipp may have picked it up already: then the customer's rings).
    assert!(["RINGING", "DIALING"].contains(&call["status"].as_str().unwrap()), "{dialed}");
    assert_eq!(call["accessNumber"], ACCESS_NUMBER, "the tenant's access number is shown as the caller id");
    let call_id = call["id"].as_str().unwrap().to_owned();
    // The phone answers at once, the customer a second later: connected.
    my_call_once(&server, &agent, "CONNECTED").await;
    assert_eq!(presence_state(&server, &agent).await, "BUSY", "no contact is offered during a call out");
    let again = server.graphql(Some(&agent), DIAL, json!({ "n": "+8613900139000" })).await;
    assert_eq!(error_code(&again), "call.agent_busy", "{again}");
    let agent2 = user_id_for_username(tenant_id_for_slug("demo"), "agent2");
    let transfer = server
        .graphql(
            Some(&agent),
            "mutation($id: UUID!, $to: UUID) { transferCall(id: $id, toAgentId: $to) { status } }",
            json!({ "id": call_id, "to": agent2 }),
        )
        .await;
    assert_eq!(error_code(&transfer), "call.not_transferable", "a call out goes to a queue: {transfer}");
    // The customer speaks for seven seconds; the agent's phone echoes it back.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let hung_up = server
        .graphql(Some(&agent), "mutation($id: UUID!) { hangUpCall(id: $id) { id } }", json!({ "id": call_id }))
        .await;
    assert!(hung_up["errors"].is_null(), "{hung_up}");
    assert!(customer.finished(), "the customer's phone was hung up");
    assert!(phone.finished(), "the agent's phone was hung up");

    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    assert_eq!(
        types(&history),
        [
            "hotline.call.dialed",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.callee_answered",
            "hotline.call.ended",
            "hotline.call.recording_stored",
        ]
    );
    assert!(!history[0]["payload"].to_string().contains("13800138000"), "the number dialled is sealed");
    assert_eq!(history[4]["payload"]["cause"], "agent_hung_up");
    let recorded = history[5]["payload"]["duration_ms"].as_u64().unwrap();
    assert!((7_000..=12_000).contains(&recorded), "recorded {recorded} ms");
    let calls = server
        .graphql(Some(&admin), "{ calls { id direction dialedNumber status endCause talkSeconds } }", json!({}))
        .await;
    let record = &calls["data"]["calls"][0];
    assert_eq!(
        (&record["id"], &record["direction"], &record["status"], &record["endCause"]),
        (&json!(call_id), &json!("OUTBOUND"), &json!("ENDED"), &json!("agent_hung_up")),
        "{calls}"
    );
    assert_eq!(presence_state(&server, &agent).await, "AVAILABLE", "the agent's presence came back");
}

#[tokio::test]
async fn a_call_out_handed_on_to_a_queue_rings_the_next_agent_there() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let TwoAgents { first, second, mut first_phone, mut second_phone } = two_agents_with_phones(&server, &admin).await;
    let (mut customer, _scenario) = customer_phone();
    route_calls_out_to(&server, &admin, customer.port).await;

    let dialed = server.graphql(Some(&first), DIAL, json!({ "n": "+8613800138000" })).await;
    let call_id = dialed["data"]["dial"]["id"].as_str().unwrap_or_else(|| panic!("{dialed}")).to_owned();
    my_call_once(&server, &first, "CONNECTED").await;
    // agent2 becomes available only now, so the call out is not what the ACD offers them first.
    set_presence(&server, &second, "AVAILABLE").await;
    let queue = Uuid::new_v5(&tenant_id_for_slug("demo"), b"first-queue");
    let transferred = server
        .graphql(
            Some(&first),
            "mutation($id: UUID!, $q: UUID) { transferCall(id: $id, toQueueId: $q) { status queueId } }",
            json!({ "id": call_id, "q": queue }),
        )
        .await;
    // Waiting in the queue, or already with agent2, whose phone answers at once.
    assert_eq!(transferred["data"]["transferCall"]["queueId"], json!(queue), "{transferred}");
    assert!(first_phone.finished(), "agent1's phone was hung up by the transfer");
    assert_eq!(presence_state(&server, &first).await, "AVAILABLE", "agent1 is available again");
    my_call_once(&server, &second, "CONNECTED").await;
    let hung_up = server
        .graphql(Some(&second), "mutation($id: UUID!) { hangUpCall(id: $id) { id } }", json!({ "id": call_id }))
        .await;
    assert!(hung_up["errors"].is_null(), "{hung_up}");
    assert!(customer.finished(), "the customer's phone was hung up");
    assert!(second_phone.finished(), "agent2's phone was hung up");

    let history = call_history(&server, &admin, "hotline.acd.contact_finished").await;
    // The recording may be stored before or after the ACD hears of the end.
    let history: Vec<Value> =
        history.into_iter().filter(|item| item["type"] != "hotline.call.recording_stored").collect();
    assert_eq!(
        types(&history),
        [
            "hotline.call.dialed",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.callee_answered",
            "hotline.call.transferred",
            "hotline.acd.contact_queued",
            "hotline.acd.contact_offered",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.acd.offer_accepted",
            "hotline.call.ended",
            "hotline.acd.contact_finished",
        ]
    );
    let agent2 = user_id_for_username(tenant_id_for_slug("demo"), "agent2");
    assert_eq!(history[10]["payload"]["agent_id"], json!(agent2));
}

#[tokio::test]
async fn a_customer_who_is_busy_makes_the_call_out_end_unanswered() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let password = provision_telephony(&server, &admin).await;
    let agent = server.login("demo", "agent1", server.demo_password.as_deref().unwrap()).await;
    let mut phone = DeskPhone::start();
    let (mut busy_customer, _scenario) = DeskPhone::busy();
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2001", &password, 200, phone.port), "the agent's phone");
    route_calls_out_to(&server, &admin, busy_customer.port).await;

    let dialed = server.graphql(Some(&agent), DIAL, json!({ "n": "010 8888 6666" })).await;
    assert!(dialed["errors"].is_null(), "{dialed}");
    assert!(busy_customer.finished(), "the carrier said busy");
    assert!(phone.finished(), "the agent's phone was hung up");
    let history = call_history(&server, &admin, "hotline.call.ended").await;
    assert_eq!(
        types(&history),
        [
            "hotline.call.dialed",
            "hotline.call.agent_ringing",
            "hotline.call.answered",
            "hotline.call.callee_failed",
            "hotline.call.ended",
        ]
    );
    assert_eq!(history[3]["payload"]["failure"], "busy");
    assert_eq!(history[4]["payload"]["cause"], "unanswered");
    assert_eq!(presence_state(&server, &agent).await, "OFFLINE", "an offline agent stays offline");
    let my_call = server.graphql(Some(&agent), "{ myCall { id } }", json!({})).await;
    assert_eq!(my_call["data"]["myCall"], Value::Null, "{my_call}");
}

/// A WAV file: `seconds` of 16-bit mono PCM at `rate`, a ramp that repeats every 100 samples.
fn ramp_wav(rate: u32, seconds: u32) -> Vec<u8> {
    let samples: Vec<u8> =
        (0..rate * seconds).flat_map(|index| ((index % 100) as i16 * 300 - 15_000).to_le_bytes()).collect();
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    for value in [16_u32, 1 | (1 << 16), rate, rate * 2, 2 | (16 << 16)] {
        wav.extend_from_slice(&value.to_le_bytes());
    }
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    wav.extend_from_slice(&samples);
    wav
}

async fn upload_music(server: &Server, token: &str, name: &str, body: Vec<u8>) -> reqwest::Response {
    server
        .http
        .post(format!("{}/api/telephony/music", server.base_url))
        .bearer_auth(token)
        .header("content-type", "audio/wav")
        .header("x-file-name", name)
        .body(body)
        .send()
        .await
        .expect("POST a music file")
}

/// Sends a SIP request and returns the first final answer to it (provisional ones skipped).
fn final_answer(socket: &UdpSocket, server: &str, message: &str) -> String {
    socket.send_to(message.replace('\n', "\r\n").as_bytes(), server).expect("sending");
    let mut buffer = [0_u8; 8192];
    loop {
        let (length, _) = socket.recv_from(&mut buffer).expect("an answer");
        let answer = String::from_utf8_lossy(&buffer[..length]).into_owned();
        if !answer.starts_with("SIP/2.0 1") {
            return answer;
        }
    }
}

#[tokio::test]
async fn a_queue_plays_its_own_music_file_to_waiting_callers() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    provision_telephony(&server, &admin).await;
    let queue = Uuid::new_v5(&tenant_id_for_slug("demo"), b"first-queue");

    // An administrator uploads a 16 kHz WAV file: it is kept at 8 kHz, two seconds long.
    let wav = ramp_wav(16_000, 2);
    let uploaded = upload_music(&server, &admin, "Spring%20waltz.wav", wav.clone()).await;
    assert_eq!(uploaded.status().as_u16(), 201);
    let uploaded: Value = uploaded.json().await.unwrap();
    assert_eq!((uploaded["name"].as_str(), uploaded["durationMs"].as_u64()), (Some("Spring waltz"), Some(2_000)));
    let music_id = uploaded["id"].as_str().unwrap().to_owned();
    // What is not a WAV file, and an agent's upload, are refused; nothing is kept of them.
    assert_problem(
        upload_music(&server, &admin, "song.mp3", b"ID3 not a wav".to_vec()).await,
        422,
        "telephony.invalid_music_file",
    )
    .await;
    let agent = server.login("demo", "agent1", server.demo_password.as_deref().unwrap()).await;
    assert_problem(upload_music(&server, &agent, "mine.wav", wav.clone()).await, 403, "auth.forbidden").await;

    let set = "mutation($q: UUID!, $m: UUID) { setQueueMusic(queueId: $q, musicId: $m) }";
    let unknown_queue = server.graphql(Some(&admin), set, json!({ "q": Uuid::now_v7(), "m": music_id })).await;
    assert_eq!(error_code(&unknown_queue), "acd.queue_not_found");
    let assigned = server.graphql(Some(&admin), set, json!({ "q": queue, "m": music_id })).await;
    assert_eq!(assigned["data"]["setQueueMusic"], true, "{assigned}");
    let files = server.graphql(Some(&admin), "{ musicFiles { id name durationMs queueIds url } }", json!({})).await;
    assert_eq!(
        files["data"]["musicFiles"],
        json!([{ "id": music_id, "name": "Spring waltz", "durationMs": 2000, "queueIds": [queue],
                 "url": format!("/api/telephony/music/{music_id}") }])
    );
    let remove = "mutation($id: UUID!) { removeMusic(id: $id) }";
    let in_use = server.graphql(Some(&admin), remove, json!({ "id": music_id })).await;
    assert_eq!(error_code(&in_use), "telephony.music_in_use");

    // A caller through the trunk, nobody available: the queue's music, from its start, in PCMU.
    let address = server.sip_address.clone().expect("SIP is on");
    let signalling = UdpSocket::bind("127.0.0.1:0").unwrap();
    signalling.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let media = UdpSocket::bind("127.0.0.1:0").unwrap();
    media.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let (sip_port, media_port) = (signalling.local_addr().unwrap().port(), media.local_addr().unwrap().port());
    let sdp = format!(
        "v=0\no=caller 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio {media_port} RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"
    );
    let dialog = |method: &str, cseq: u32, branch: &str, to_tag: &str, body: &str| {
        let content = if body.is_empty() { String::new() } else { "Content-Type: application/sdp\n".to_owned() };
        format!(
            "{method} sip:4000@{address} SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{sip_port};branch=z9hG4bK{branch};rport\n\
             From: <sip:+8613800138000@127.0.0.1>;tag=caller\nTo: <sip:4000@{address}>{to_tag}\nCall-ID: music@127.0.0.1\n\
             CSeq: {cseq} {method}\nContact: <sip:caller@127.0.0.1:{sip_port}>\nMax-Forwards: 70\n{content}\
             Content-Length: {}\n\n{}",
            body.replace('\n', "\r\n").len(),
            body
        )
    };
    let answered = final_answer(&signalling, &address, &dialog("INVITE", 1, "inv1", "", &sdp));
    assert!(answered.starts_with("SIP/2.0 200"), "{answered}");
    let to_tag = answered
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with("to:"))
        .and_then(|line| line.split(";tag=").nth(1))
        .map(|tag| format!(";tag={}", tag.trim()))
        .expect("the answer tags the dialog");
    signalling.send_to(dialog("ACK", 1, "ack1", &to_tag, "").replace('\n', "\r\n").as_bytes(), &address).unwrap();
    let mut heard = Vec::new();
    let mut packet = [0_u8; 1500];
    while heard.len() < 800 {
        let length = media.recv(&mut packet).expect("music");
        assert_eq!(packet[1] & 0x7F, 0, "PCMU, as offered");
        heard.extend_from_slice(&packet[12..length]);
    }
    let music = hotline_media::music::decode_wav(&wav).unwrap();
    assert_eq!(heard[..800], music[..800], "the file's first 100 ms, not the chime");
    let bye = final_answer(&signalling, &address, &dialog("BYE", 2, "bye1", &to_tag, ""));
    assert!(bye.starts_with("SIP/2.0 200"), "{bye}");

    // The file plays back in the web app as WAV; back to the chime, it can be removed.
    let play =
        || server.http.get(format!("{}/api/telephony/music/{music_id}", server.base_url)).bearer_auth(&admin).send();
    let played = play().await.unwrap();
    assert_eq!(played.headers()[reqwest::header::CONTENT_TYPE], "audio/wav");
    assert_eq!(played.bytes().await.unwrap().len(), 44 + 16_000 * 2);
    let chime = server.graphql(Some(&admin), set, json!({ "q": queue, "m": null })).await;
    assert_eq!(chime["data"]["setQueueMusic"], true, "{chime}");
    let removed = server.graphql(Some(&admin), remove, json!({ "id": music_id })).await;
    assert_eq!(removed["data"]["removeMusic"], true, "{removed}");
    let none = server.graphql(Some(&admin), "{ musicFiles { id } }", json!({})).await;
    assert_eq!(none["data"]["musicFiles"], json!([]));
    assert_problem(play().await.unwrap(), 404, "telephony.music_not_found").await;
}

/// The registration status of the demo tenant's trunk named `name`, once it is `state` (bounded).
async fn carrier_registration(server: &Server, token: &str, name: &str, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let trunks = server
            .graphql(
                Some(token),
                "{ trunks { name registration { registrar username status { state detail since expiresAt } } } }",
                json!({}),
            )
            .await;
        let trunk = trunks["data"]["trunks"].as_array().and_then(|trunks| trunks.iter().find(|t| t["name"] == name));
        let status = trunk.map(|trunk| trunk["registration"]["status"].clone()).unwrap_or(Value::Null);
        if status["state"] == state {
            return status;
        }
        assert!(Instant::now() < deadline, "the trunk never got {state}: {trunks}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_trunk_registers_with_its_carrier_with_digest_authentication() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    for (name, password, state) in
        [("Good carrier", "carrier-secret", "REGISTERED"), ("Bad carrier", "wrong", "FAILED")]
    {
        // The carrier's registrar knows acme's password; the trunk gives `password`.
        let scenario = scenario(
            "carrier_registrar.xml",
            &[("CARRIER_USER", "acme".to_owned()), ("CARRIER_PASSWORD", "carrier-secret".to_owned())],
        );
        let port = free_udp_port();
        let mut carrier = sipp()
            .args(["-sf", scenario.path(), "-p", &port.to_string(), "-m", "1", "-timeout", "30s", "-timeout_error"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running sipp");
        let trunk = json!({ "input": {
            "name": name,
            "peers": ["192.0.2.10"],
            "registration": { "registrar": format!("127.0.0.1:{port}"), "username": "acme", "password": password },
        } });
        let defined = server
            .graphql(Some(&admin), "mutation($input: TrunkInput!) { defineTrunk(input: $input) { id } }", trunk)
            .await;
        assert!(defined["errors"].is_null(), "{defined}");
        let status = carrier_registration(&server, &admin, name, state).await;
        if state == "REGISTERED" {
            assert!(status["expiresAt"].is_string(), "{status}");
            assert!(status["detail"].is_null(), "{status}");
        } else {
            assert!(status["detail"].as_str().unwrap().contains("403"), "{status}");
        }
        let exited = carrier.wait().expect("sipp ends");
        assert!(exited.success(), "the carrier's scenario did not run through for {name}");
    }
}

const CALL_FIELDS: &str = "id status accessNumber callerNumber queueId agentId ringingAgentId arrivedAt answeredAt \
     endedAt endCause waitSeconds talkSeconds holdSeconds recordingId recordingSeconds";

/// The `calls` the token's user may see, once `ready` holds for them (bounded).
async fn calls_once(server: &Server, token: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let page = server.graphql(Some(token), &format!("{{ calls(first: 10) {{ {CALL_FIELDS} }} }}"), json!({})).await;
        let calls = page["data"]["calls"].as_array().cloned().unwrap_or_else(|| panic!("{page}"));
        if ready(&calls) {
            return calls;
        }
        assert!(Instant::now() < deadline, "the calls never got there: {calls:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `GET /api/calls/recordings/{id}` with the token (none: no credentials).
async fn download_recording(server: &Server, token: Option<&str>, recording_id: &str) -> reqwest::Response {
    let mut request = server.http.get(format!("{}/api/calls/recordings/{recording_id}", server.base_url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("GET a recording")
}

async fn assert_problem(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], code, "{problem}");
}

#[tokio::test]
async fn a_recorded_call_shows_in_the_call_records_and_its_recording_downloads_as_wav() {
    let location = Location::embedded();
    let server = Server::start(&location);
    let admin = server.demo_admin_token().await;
    let password = provision_telephony(&server, &admin).await;
    let demo_password = server.demo_password.clone().unwrap();
    let agent1 = server.login("demo", "agent1", &demo_password).await;
    let agent2 = server.login("demo", "agent2", &demo_password).await;
    set_presence(&server, &agent1, "AVAILABLE").await;
    let mut phone = DeskPhone::start();
    assert_sipp_passed(&sipp_register_at(&server, "u1", "2001", &password, 200, phone.port), "the agent's phone");
    assert_sipp_passed(&call_in(&server, 1_000, 8_000), "the caller");
    assert!(phone.finished(), "the agent's phone saw the call through");
    let history = call_history(&server, &admin, "hotline.call.recording_stored").await;
    let stored = history.iter().find(|item| item["type"] == "hotline.call.recording_stored").unwrap();
    let duration_ms = stored["payload"]["duration_ms"].as_u64().unwrap();

    // The call records: the administrator (calls.all) sees it, ended, with its recording.
    let calls =
        calls_once(&server, &admin, |calls| calls.first().is_some_and(|call| call["recordingId"].is_string())).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    let agent1_id = json!(user_id_for_username(tenant_id_for_slug("demo"), "agent1"));
    assert_eq!(call["status"], "ENDED");
    assert_eq!(call["accessNumber"], ACCESS_NUMBER);
    assert_eq!(call["callerNumber"], "+8613800138000", "the caller's number is opened for the records");
    assert_eq!(call["queueId"], json!(Uuid::new_v5(&tenant_id_for_slug("demo"), b"first-queue")));
    assert_eq!(call["agentId"], agent1_id);
    assert_eq!(call["ringingAgentId"], Value::Null);
    assert_eq!(call["endCause"], "caller_hung_up");
    assert!(call["answeredAt"].is_string() && call["endedAt"].is_string(), "{call}");
    assert!(call["talkSeconds"].as_i64().unwrap() >= 7, "{call}");
    assert!(call["waitSeconds"].as_i64().is_some() && call["holdSeconds"] == 0, "{call}");
    assert!(call["recordingSeconds"].as_i64().unwrap() >= 7, "{call}");
    let recording_id = call["recordingId"].as_str().unwrap().to_owned();

    // An agent sees only the calls they were connected to; nobody has a call now.
    let own = calls_once(&server, &agent1, |calls| !calls.is_empty()).await;
    assert_eq!(own[0]["id"], call["id"]);
    assert!(calls_once(&server, &agent2, |_| true).await.is_empty(), "agent2 took no call");
    let my_call = server.graphql(Some(&agent1), &format!("{{ myCall {{ {CALL_FIELDS} }} }}"), json!({})).await;
    assert_eq!(my_call["data"]["myCall"], Value::Null, "{my_call}");
    let both = json!({ "id": call["id"], "agent": agent1_id, "queue": call["queueId"] });
    let transfer = "mutation($id: UUID!, $agent: UUID, $queue: UUID) { \
                    transferCall(id: $id, toAgentId: $agent, toQueueId: $queue) { id } }";
    assert_eq!(error_code(&server.graphql(Some(&agent1), transfer, both).await), "call.invalid_transfer");

    // The recording, as a stereo 16-bit WAV at 8 kHz: caller left, agent right.
    let response = download_recording(&server, Some(&admin), &recording_id).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()[reqwest::header::CONTENT_TYPE], "audio/wav");
    let disposition = response.headers()[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert_eq!(disposition, format!("attachment; filename=\"{recording_id}.wav\""));
    let wav = response.bytes().await.unwrap();
    assert_eq!((&wav[..4], &wav[8..16], &wav[36..40]), (&b"RIFF"[..], &b"WAVEfmt "[..], &b"data"[..]));
    let samples = (wav.len() - 44) / 4;
    assert_eq!(wav.len(), 44 + 4 * samples);
    assert_eq!(samples as u64 / 8, duration_ms, "as many samples as the recording is long");
    assert_eq!(u32::from_le_bytes(wav[40..44].try_into().unwrap()) as usize, 4 * samples);
    // The caller spoke from the first second on: their channel is loud in the first seconds too,
    // which the call spooled (sealed, on disk) long before it ended; no spool is left.
    let caller_peak = |from_second: usize, to_second: usize| {
        (from_second * 8000..to_second * 8000)
            .map(|index| i16::from_le_bytes([wav[44 + 4 * index], wav[45 + 4 * index]]).unsigned_abs())
            .max()
            .unwrap()
    };
    assert!(caller_peak(1, 4) > 1_000 && caller_peak(5, 7) > 1_000, "the caller is heard early and late");
    let spools = location.data_dir().unwrap().join("recordings-spool");
    assert_eq!(std::fs::read_dir(spools).unwrap().count(), 0, "the spool was deleted once stored");

    // Without call.recordings, without a session, or from another tenant: nothing.
    assert_problem(download_recording(&server, Some(&agent2), &recording_id).await, 403, "auth.forbidden").await;
    assert_problem(download_recording(&server, None, &recording_id).await, 401, "auth.unauthenticated").await;
    let create_tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    let acme = json!({ "input": { "slug": "acme", "name": "Acme", "admin": {
        "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    let created = server.graphql(Some(&admin), create_tenant, acme).await;
    assert!(created["errors"].is_null(), "{created}");
    let acme_admin = server.login("acme", "boss", "acme password 1").await;
    let elsewhere = download_recording(&server, Some(&acme_admin), &recording_id).await;
    assert_problem(elsewhere, 404, "call.recording_not_found").await;
    assert!(calls_once(&server, &acme_admin, |_| true).await.is_empty(), "acme has no calls");
    let unknown = download_recording(&server, Some(&admin), &Uuid::now_v7().to_string()).await;
    assert_problem(unknown, 404, "call.recording_not_found").await;
}

/// A scenario file in a temporary folder, removed when dropped.
mod tempfile_path {
    use super::PathBuf;

    pub struct TempScenario(PathBuf);

    impl TempScenario {
        pub fn write(text: &str) -> Self {
            let path = std::env::temp_dir().join(format!("hotline-sipp-{}.xml", uuid::Uuid::now_v7().simple()));
            std::fs::write(&path, text).expect("writing a scenario");
            Self(path)
        }

        pub fn path(&self) -> &str {
            self.0.to_str().expect("a UTF-8 temporary path")
        }
    }

    impl Drop for TempScenario {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}
