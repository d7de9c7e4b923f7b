// The Pico programs the playground bundles: one entry per program, and the only place that
// says which programs there are, how each is built (examples/pico/<folder>, target, -D
// values, files of the test PKI it compiles in), what it is, which parameters it reads and
// how each reaches the run, and which port a server program listens on. Read by the page
// (the form, the run) and in Node by build.ts (npm run playground, the Chromium tests).
//
// A program's addresses are compiled in, as on a Pico W; the page changes where they lead
// at run time instead, as a user of `lwip-pico run` does with --connect-to: the flow to
// the compiled-in host and port goes to the host and port typed in (through the relay).
// The Wi-Fi name and password are the simulated access point's: the program joins with
// the ones compiled in, and a mismatch fails the join as it would on a real network.

/** Where a parameter's value goes when the program runs. */
export type ParamTarget =
  | "ssid" // the access point's SSID
  | "password" // the access point's password
  | "server-host" // --connect-to: the compiled-in destination's host becomes this
  | "server-port"; // ... and its port this

export interface PicoParam {
  /** The form field's id ("pico-param-<id>") and its key in the page's URL. */
  id: string;
  label: string;
  to: ParamTarget;
  default: string;
  help?: string;
}

export interface BundledProgram {
  /** Served as pico/<id>.js (the glue) and pico/<id>.wasm. */
  id: string;
  /** examples/pico/<folder>, and the executable target in it. */
  folder: string;
  target: string;
  title: string;
  description: string;
  /** -D values of the build, beside WIFI_SSID and WIFI_PASSWORD. */
  defines?: Record<string, string>;
  /** -D values that name a file of the test PKI (build/pico/test-pki): its CA, or the
   *  certificate and key for pico.test and 10.0.2.15. */
  pki?: Record<string, "ca" | "cert" | "key">;
  /** The destination compiled in, as the relay sees it (10.0.2.2 is the host's loopback,
   *  127.0.0.1, as in QEMU): what the server-host / server-port parameters redirect. */
  dials?: { host: string; port: number };
  /** A server program: the page's own device reaches it at DEVICE_IP:port. */
  serves?: { port: number; scheme: "tcp" | "http" | "https" };
  params: PicoParam[];
}

/** The access point the bundled programs are built to join (as the tests build them). */
export const WIFI = { ssid: "picow-lab", password: "secret123" };
/** A program's address: the first DHCP lease of the network (as QEMU's first guest). */
export const DEVICE_IP = "10.0.2.15";
/** The page's own device, beside the program on the LAN, outside the DHCP pool
 *  (10.0.2.15-30): it reaches a server program. */
export const PAGE_DEVICE_IP = "10.0.2.100";

const wifiParams: PicoParam[] = [
  { id: "ssid", label: "Wi-Fi SSID", to: "ssid", default: WIFI.ssid, help: "the simulated access point's name" },
  { id: "password", label: "Wi-Fi password", to: "password", default: WIFI.password },
];

function server(host: string, port: number, what: string): PicoParam[] {
  return [
    { id: "host", label: `${what} host`, to: "server-host", default: host },
    { id: "port", label: `${what} port`, to: "server-port", default: String(port) },
  ];
}

export const PROGRAMS: BundledProgram[] = [
  {
    id: "tcp_client",
    folder: "tcp_client",
    target: "tcp_client_poll",
    title: "TCP client",
    description: "Joins Wi-Fi, connects to a TCP echo server, sends one line and checks that it comes back (poll mode: main's loop runs lwIP).",
    dials: { host: "127.0.0.1", port: 7007 },
    params: [...wifiParams, ...server("127.0.0.1", 7007, "Echo server")],
  },
  {
    id: "https_client",
    folder: "https_client",
    target: "https_client",
    title: "HTTPS client (the book's)",
    description: "One GET of https://pico.test/ over altcp_tls and Mbed TLS, the certificate checked against the test CA compiled in; prints the response.",
    pki: { HTTPS_CA_FILE: "ca" },
    dials: { host: "pico.test", port: 443 },
    params: [...wifiParams, ...server("localhost", 443, "Server")],
  },
  {
    id: "tcp_server",
    folder: "tcp_server",
    target: "tcp_server",
    title: "TCP echo server",
    description: "Listens on port 4242 and echoes what one client sends, then ends when that client closes.",
    serves: { port: 4242, scheme: "tcp" },
    params: [...wifiParams],
  },
  {
    id: "tls_server",
    folder: "tls_server",
    target: "tls_server",
    title: "TLS server",
    description: "altcp_tls with a certificate for pico.test and 10.0.2.15 (the test CA's) compiled in; answers one HTTPS request on port 443 and ends.",
    pki: { TLS_CERT_FILE: "cert", TLS_KEY_FILE: "key" },
    serves: { port: 443, scheme: "https" },
    params: [...wifiParams],
  },
  {
    id: "ntp_client",
    folder: "ntp_client",
    target: "ntp_client",
    title: "NTP client",
    description: "Resolves pool.ntp.org, asks it the time over UDP port 123 and prints it.",
    dials: { host: "pool.ntp.org", port: 123 },
    params: [...wifiParams, ...server("pool.ntp.org", 123, "NTP server")],
  },
  {
    id: "udp_sender",
    folder: "udp_sender",
    target: "udp_sender",
    title: "UDP beacon",
    description: "Sends three numbered datagrams to a UDP server, a second apart.",
    dials: { host: "127.0.0.1", port: 7008 },
    params: [...wifiParams, ...server("127.0.0.1", 7008, "UDP server")],
  },
  {
    id: "led_console",
    folder: "led_console",
    target: "led_console",
    title: "LED console",
    description: "Lights the Wi-Fi LED once joined, then reads commands typed in the terminal: on, off, toggle, status, quit.",
    params: [...wifiParams],
  },
  {
    id: "httpd",
    folder: "httpd",
    target: "httpd",
    title: "Web server (SSI, CGI)",
    description: "lwIP's httpd on port 80: the page's SSI tags show the address, uptime, the LED and a hit counter; /led.cgi?led=1 or 0 switches the LED.",
    serves: { port: 80, scheme: "http" },
    params: [...wifiParams],
  },
  {
    id: "https_server",
    folder: "https_server",
    target: "https_server",
    title: "HTTPS server",
    description: "lwIP's httpd over altcp_tls on port 443 (TLS 1.3 and 1.2), with a certificate for pico.test and 10.0.2.15 from the test CA.",
    pki: { TLS_CERT_FILE: "cert", TLS_KEY_FILE: "key" },
    serves: { port: 443, scheme: "https" },
    params: [...wifiParams],
  },
  {
    id: "sntp_client",
    folder: "sntp_client",
    target: "sntp_client",
    title: "SNTP client",
    description: "lwIP's sntp app asks pool.ntp.org the time, sets the always-on timer from the answer and prints the date.",
    dials: { host: "pool.ntp.org", port: 123 },
    params: [...wifiParams, ...server("pool.ntp.org", 123, "NTP server")],
  },
  {
    id: "smtp_client",
    folder: "smtp_client",
    target: "smtp_client",
    title: "SMTP client (TLS)",
    description: "lwIP's smtp app sends one mail over implicit TLS to pico.test:465, the server's certificate checked against the test CA compiled in.",
    pki: { SMTP_CA_FILE: "ca" },
    dials: { host: "pico.test", port: 465 },
    params: [...wifiParams, ...server("localhost", 465, "SMTPS server")],
  },
  {
    id: "random",
    folder: "random",
    target: "random",
    title: "Random numbers",
    description: "Mbed TLS's CTR_DRBG seeded from the port's entropy source, which it names (in a browser: crypto.getRandomValues); prints numbers, bytes and dice rolls.",
    params: [],
  },
];

/** What a run of `program` with these parameter values gets: the access point, and the
 *  --connect-to rule that sends its compiled-in destination where the parameters say. */
export function runSettings(program: BundledProgram, values: Record<string, string>): { ssid: string; password: string; connectTo: string[] } {
  const of = (to: ParamTarget) => {
    const p = program.params.find((x) => x.to === to);
    return p ? (values[p.id] ?? p.default).trim() : undefined;
  };
  const out = { ssid: of("ssid") ?? WIFI.ssid, password: of("password") ?? WIFI.password, connectTo: [] as string[] };
  const d = program.dials;
  if (d) {
    const host = of("server-host") || d.host;
    const port = of("server-port") || String(d.port);
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new TypeError(`not a port number: "${port}"`);
    if (/[\s:]/.test(host) && !/^\[[0-9a-fA-F:.]+\]$/.test(host)) throw new TypeError(`not a host name or address: "${host}"`);
    if (host !== d.host || Number(port) !== d.port) out.connectTo.push(`${d.host}:${d.port}:${host}:${port}`);
  }
  return out;
}
