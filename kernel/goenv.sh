# shellcheck shell=bash
# kernel/goenv.sh: the fast build of GoMLX's pure-Go backend, in one place.
#
#   source kernel/goenv.sh          exports GOEXPERIMENT and GODEBUG into this shell
#   bash kernel/goenv.sh --print    prints them as KEY=VALUE lines (the Makefile reads these)
#
# On x86-64 it adds `simd` to GOEXPERIMENT: Go 1.26's SIMD experiment turns on the backend's
# AVX2/AVX-512 matrix-product kernels (the DW-4 training step ran 4.2x faster here). It also
# adds `asyncpreemptoff=1` to GODEBUG, which that build needs: with GOEXPERIMENT=simd, Go 1.26
# restores the full AVX registers after every asynchronous preemption and leaves their upper
# halves dirty, and all scalar float code after that (math.Exp in the backend's Exp op) runs
# up to 100x slower. Programs built with simd but run without asyncpreemptoff=1 print a
# warning (xla.GoBuild). The Makefile, scripts/bench*.sh, kernel/install.sh's build-cache warm-up
# and the Jupyter kernel (kernel/launch.sh) all use this file, so tests, benchmarks and
# notebooks run the same build. IWSM_SIMD=0 keeps the plain build; a GOEXPERIMENT that already
# names simd is kept, one naming nosimd turns this off, and a GODEBUG that already sets asyncpreemptoff, are left as they are.

iwsm_goenv() {
  [[ "${IWSM_SIMD:-1}" == 0 ]] && return 0
  case "$(uname -m)" in x86_64 | amd64) ;; *) return 0 ;; esac
  case ",${GOEXPERIMENT:-}," in
    *,nosimd,*) return 0 ;;
    *,simd,*) ;;
    *) GOEXPERIMENT="${GOEXPERIMENT:+$GOEXPERIMENT,}simd" ;;
  esac
  case ",${GODEBUG:-}," in
    *,asyncpreemptoff=*) ;;
    *) GODEBUG="${GODEBUG:+$GODEBUG,}asyncpreemptoff=1" ;;
  esac
  export GOEXPERIMENT GODEBUG
}

iwsm_goenv
if [[ "${BASH_SOURCE[0]}" == "$0" && "${1:-}" == --print ]]; then
  [[ -n "${GOEXPERIMENT:-}" ]] && echo "GOEXPERIMENT=$GOEXPERIMENT"
  [[ -n "${GODEBUG:-}" ]] && echo "GODEBUG=$GODEBUG"
fi
true
