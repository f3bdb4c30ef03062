# java_buildpack: sizes the JVM from the instance's memory limit (MEMORY_LIMIT, e.g. 512m):
# heap 75%, metaspace 1/8 (32-256M), code cache 1/16 (16-240M), 256K thread stacks; the JVM
# exits on OutOfMemoryError so that the platform restarts the instance. The app's own
# JAVA_OPTS come last and win.
_mcf_mb=
case "${MEMORY_LIMIT:-}" in
  *[mM]) _mcf_mb=${MEMORY_LIMIT%?} ;;
  *[gG]) _mcf_mb=${MEMORY_LIMIT%?}; case $_mcf_mb in *[!0-9]*|'') _mcf_mb= ;; *) _mcf_mb=$((_mcf_mb * 1024)) ;; esac ;;
esac
case $_mcf_mb in *[!0-9]*|'') _mcf_mb= ;; esac
if [ -n "$_mcf_mb" ] && [ "$_mcf_mb" -gt 0 ]; then
  _mcf_meta=$((_mcf_mb / 8)); [ "$_mcf_meta" -lt 32 ] && _mcf_meta=32; [ "$_mcf_meta" -gt 256 ] && _mcf_meta=256
  _mcf_code=$((_mcf_mb / 16)); [ "$_mcf_code" -lt 16 ] && _mcf_code=16; [ "$_mcf_code" -gt 240 ] && _mcf_code=240
  export JAVA_OPTS="-Xmx$((_mcf_mb * 3 / 4))m -Xss256k -XX:MaxMetaspaceSize=${_mcf_meta}m -XX:ReservedCodeCacheSize=${_mcf_code}m -XX:+ExitOnOutOfMemoryError${JAVA_OPTS:+ $JAVA_OPTS}"
else
  export JAVA_OPTS="-XX:+ExitOnOutOfMemoryError${JAVA_OPTS:+ $JAVA_OPTS}"
fi
unset _mcf_mb _mcf_meta _mcf_code
