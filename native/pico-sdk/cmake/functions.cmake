# The CMake functions Pico SDK projects call. On a device they shape the binary (UF2, map,
# stdio routing); here stdout is always the host's, so most only record the request.

# Extra outputs (UF2, hex, bin, map) have no meaning off the chip; the program module or
# executable is the output. Recorded so tools can list the program targets.
function(pico_add_extra_outputs TARGET)
  set_property(GLOBAL APPEND PROPERTY PICO_HOST_PROGRAMS ${TARGET})
endfunction()

# USB CDC or UART: either way the program's stdio is the host's stdin/stdout.
function(pico_enable_stdio_usb TARGET ENABLED)
endfunction()
function(pico_enable_stdio_uart TARGET ENABLED)
endfunction()
function(pico_enable_stdio_semihosting TARGET ENABLED)
endfunction()
function(pico_set_program_name TARGET NAME)
endfunction()
function(pico_set_program_description TARGET DESCRIPTION)
endfunction()
function(pico_set_program_url TARGET URL)
endfunction()
function(pico_set_program_version TARGET VERSION)
endfunction()
# Where the binary runs from (flash, RAM): one place on a host.
function(pico_set_binary_type TARGET TYPE)
endfunction()

# pico_add_library(name [NOFLAG]): an INTERFACE library plus its _headers companion, as the
# SDK makes them; without NOFLAG, linking it defines LIB_<NAME>=1.
function(pico_add_library NAME)
  cmake_parse_arguments(ARG "NOFLAG" "" "" ${ARGN})
  if(NOT TARGET ${NAME}_headers)
    add_library(${NAME}_headers INTERFACE)
  endif()
  if(NOT TARGET ${NAME})
    add_library(${NAME} INTERFACE)
  endif()
  target_link_libraries(${NAME} INTERFACE ${NAME}_headers)
  if(NOT ARG_NOFLAG)
    string(TOUPPER ${NAME} UPPER)
    target_compile_definitions(${NAME} INTERFACE LIB_${UPPER}=1)
  endif()
endfunction()

function(pico_mirrored_target_link_libraries TARGET SCOPE)
  target_link_libraries(${TARGET} ${SCOPE} ${ARGN})
endfunction()

# pico_set_lwip_httpd_content(library INTERFACE files...): lwIP's httpd serves the files
# from a generated fsdata file, made at build time by our own generator (makefsdata.cmake:
# lwIP's C makefsdata needs a host compiler step per build; the SDK uses its own script).
function(pico_set_lwip_httpd_content TARGET SCOPE)
  set(FILES ${ARGN})
  if(NOT FILES)
    message(FATAL_ERROR "pico_set_lwip_httpd_content(${TARGET}): no files")
  endif()
  set(GEN_DIR ${CMAKE_CURRENT_BINARY_DIR}/${TARGET}_fsdata)
  set(OUT ${GEN_DIR}/pico_fsdata.inc)
  list(JOIN FILES "|" FILES_JOINED)
  add_custom_command(OUTPUT ${OUT}
    COMMAND ${CMAKE_COMMAND} "-DFILES=${FILES_JOINED}" -DOUT=${OUT} -P ${PICO_SDK_PATH}/cmake/makefsdata.cmake
    DEPENDS ${FILES} ${PICO_SDK_PATH}/cmake/makefsdata.cmake
    COMMENT "Generating the httpd content of ${TARGET}"
    VERBATIM)
  add_custom_target(${TARGET}_fsdata_gen DEPENDS ${OUT})
  add_dependencies(${TARGET} ${TARGET}_fsdata_gen)
  target_compile_definitions(${TARGET} ${SCOPE} HTTPD_FSDATA_FILE="pico_fsdata.inc")
  target_include_directories(${TARGET} ${SCOPE} ${GEN_DIR})
endfunction()
