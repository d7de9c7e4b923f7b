# All emscripten flags, in one place. Compile flags apply to every C file of the WASM
# build; link flags to the module. Each unusual flag says why.

set(LMW_EM_COMPILE_FLAGS
  -O2                       # -O3 measured no faster here; -Os costs ~20% in Mbed TLS
)

set(LMW_EM_LINK_FLAGS
  -O2
  -sMODULARIZE=1            # a factory, so one compiled module serves device and router instances
  -sEXPORT_NAME=createLmwModule
  -sFILESYSTEM=0            # no files: printf still reaches Module.print (self-test output)
  -sALLOW_MEMORY_GROWTH=1   # the router holds many flows; the heap grows on demand
  -sINITIAL_MEMORY=16777216
  # The C stack (STACK_SIZE in newer emcc, which still accepts this name); emcc 3.1.6's
  # default is 5 MiB. Measured peak by painting it: ~3.6 KiB (a TLS 1.3 client handshake
  # with RSA-2048, P-256 or P-384 certificates; ~2.8 KiB server side; 1.8 KiB for Mbed
  # TLS's self-tests): WASM keeps only address-taken locals here, the rest is in locals of
  # the VM. 256 KiB leaves wide headroom for deeper paths not measured.
  -sTOTAL_STACK=262144
  -sDYNAMIC_EXECUTION=0     # no eval: works under a strict Content-Security-Policy
  -sASSERTIONS=0
  -sINVOKE_RUN=0            # there is no main(); the host calls lmw_init
  -sNODEJS_CATCH_EXIT=0     # a library must not install process-wide uncaughtException handlers
  -sNODEJS_CATCH_REJECTION=0 # ... nor unhandledRejection handlers that rethrow
  -sEXPORTED_RUNTIME_METHODS=[]
  --js-library=${CMAKE_SOURCE_DIR}/wasm/library_lmw.js
)

# The Node build: CommonJS glue (3.1.6's ES6 output breaks in Node 20: __dirname, file: URLs).
set(LMW_EM_LINK_FLAGS_NODE
  -sEXPORT_ES6=0
  -sENVIRONMENT=node
)

# The browser build: an ES module a bundler (Vite) or a <script type=module> imports.
set(LMW_EM_LINK_FLAGS_WEB
  -sEXPORT_ES6=1
  -sENVIRONMENT=web,worker
)

# Optimisation per component: what a bulk transfer or a handshake spends its time in stays
# at -O2; the rest (X.509 and PEM parsing, handshake state machines, PSA glue, lwIP's
# control paths, error and debug tables) is built for size (CMakeLists.txt applies it per
# source file, by base name).
set(LMW_EM_SPEED_SOURCES
  # Mbed TLS: record layer, ciphers, hashes, bignum and curves
  aes gcm chacha20 poly1305 chachapoly cipher cipher_wrap ssl_msg md sha256 sha512
  bignum bignum_core ecp ecp_curves ecdsa ecdh constant_time ctr_drbg hmac_drbg
  psa_crypto_aead psa_crypto_cipher
  platform_util             # mbedtls_platform_zeroize, called after every ChaCha20 block
  # lwIP: the data path
  tcp tcp_in tcp_out pbuf inet_chksum ethernet ip4 mem memp def
  # ours
  lmw_conn lmw_netif altcp_tls_36 router lan host_common host_wasm
)
set(LMW_EM_SIZE_FLAGS -Oz)

# Pico program modules (native/pico-sdk, PICO_PLATFORM=wasm): a program's blocking main()
# runs under ASYNCIFY. Only these modules pay for it; the library's lmw.wasm never does.
set(PICO_EM_LINK_FLAGS
  -sASYNCIFY=1              # whole program: a wait reached through a function pointer
                            # (an lwIP callback, an async_context worker) must unwind too;
                            # restricted lists (ASYNCIFY_ONLY, IGNORE_INDIRECT) trap there
  -sASYNCIFY_IMPORTS=[pico_host_wait] # the one import that yields (native/pico-sdk/src/host)
  -sASYNCIFY_STACK_SIZE=65536 # unwinding saves the locals of every frame up to main
  -sMODULARIZE=1
  -sEXPORT_NAME=createPicoProgram
  -sEXPORT_ES6=0            # classic glue: Node evaluates it as CommonJS (wasm-node.ts), a
                            # page loads it as a <script> (wasm-web.ts; no eval, CSP-friendly)
  -sENVIRONMENT=node,web    # one artifact for lwip-pico run and the playground
  -sFILESYSTEM=0            # stdout through Module.print, stdin through the host seam
  -sALLOW_MEMORY_GROWTH=1
  -sINITIAL_MEMORY=16777216
  -sTOTAL_STACK=262144      # Mbed TLS handshakes on the program's stack
  -sINVOKE_RUN=0            # the runner calls main when the link is attached
  -sEXIT_RUNTIME=1          # exit() ends the program with its status (Module.quit)
  -sNODEJS_CATCH_EXIT=0
  -sNODEJS_CATCH_REJECTION=0
  -sDYNAMIC_EXECUTION=0
  -sEXPORTED_FUNCTIONS=[_main]
  -sEXPORTED_RUNTIME_METHODS=[ccall]
)
