/* Mbed TLS configuration for lwip-mbedtls-wasm (passed with -DMBEDTLS_CONFIG_FILE).
 *
 * What this config is for:
 *  - TLS 1.2 and TLS 1.3, client and server (the server side serves tests and the
 *    in-process handshake), over lwIP's altcp_tls;
 *  - key exchange: ECDHE with X25519, P-256, P-384 (P-521 parsed for CA roots);
 *  - certificates: X.509 chains with ECDSA and RSA (PKCS#1 v1.5 and PSS) signatures,
 *    PEM and DER, SHA-256/384/512 (SHA-1 only so that old roots parse and SHA-1
 *    signatures are refused with a clear "bad MD" flag rather than a parse error);
 *  - ciphers: AES-GCM and ChaCha20-Poly1305 (no CBC suites);
 *  - SNI, ALPN, session tickets, extended master secret;
 *  - no file system, no net_sockets, no threads: entropy and time come from the host
 *    (native/host/host.h) - crypto.getRandomValues in WASM, getrandom natively;
 *  - the same C natively and in WASM: no assembly and no AES-NI, so the two builds run
 *    the same code paths.
 */
#ifndef LMW_MBEDTLS_CONFIG_H
#define LMW_MBEDTLS_CONFIG_H

/* ---- platform ---- */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_TIME_ALT       /* mbedtls_platform_set_time(): host wall clock */
#define MBEDTLS_PLATFORM_MS_TIME_ALT    /* mbedtls_ms_time(): host monotonic clock */
#define MBEDTLS_NO_PLATFORM_ENTROPY     /* no /dev/urandom in WASM */
#define MBEDTLS_ENTROPY_HARDWARE_ALT    /* mbedtls_hardware_poll(): host randomness */
#define MBEDTLS_ERROR_C
#define MBEDTLS_VERSION_C
/* Debug output and the self-tests: in the debug build only (LMW_DEBUG_BUILD: lmw_debug.wasm,
 * and the native build); together 41 KB of the gzipped release module (186 -> 145 KB). */
#if defined(LMW_DEBUG_BUILD)
#define MBEDTLS_DEBUG_C
#define MBEDTLS_SELF_TEST
#endif

/* ---- randomness ---- */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_ECDSA_DETERMINISTIC

/* ---- symmetric crypto and hashes ---- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES          /* smaller module, same speed here */
#define MBEDTLS_GCM_C
/* Not MBEDTLS_GCM_LARGE_TABLE: measured, its 8-bit GHASH tables cut AES-256-GCM client CPU per
 * 20 MiB from 855 to 678 ms, but raised an idle AES-256-GCM connection from 39.4 to 54.4 KiB of
 * heap, past the 40 KiB per connection this library keeps to. */
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C

/* ---- public key ---- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_PARSE_EC_EXTENDED
#define MBEDTLS_PK_WRITE_C              /* PSA imports RSA keys in their DER form */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* ---- PSA (TLS 1.3 needs it; initialised by lmw_init, never by the user) ---- */
#define MBEDTLS_PSA_CRYPTO_C

/* ---- TLS ---- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TICKET_C
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE  /* TLS 1.3 needs it; the API reports the chain */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Encrypt-then-MAC (RFC 7366) applies to CBC suites only, and this config has none: it
 * changes no record here. What it still does: a TLS 1.2 ClientHello carries the 4-byte
 * encrypt_then_mac extension, and our server accepts it. */
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
/* Max fragment length (RFC 6066): our server honours a client that asks for records of
 * 512-4096 bytes (small devices do). Our client never asks (nothing calls
 * mbedtls_ssl_conf_max_frag_len), so its records stay full-size (below). */
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH

/* Full-size records both ways: real servers send 16 KiB records. */
#define MBEDTLS_SSL_IN_CONTENT_LEN      16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN     16384

#endif
