#!/bin/sh
# Builds the libFuzzer harnesses with swiftc directly, outside the package's targets, so
# `swift build` and `swift test` never see them. Each Hone module a harness needs is
# compiled once into a static library with coverage and AddressSanitizer instrumentation
# and testing enabled (harnesses may reach internal entry points such as
# `CIFAR10.decode`); each harness is then one file linked against them.
#
# Usage: Fuzz/build.sh [build-directory]   (default: .build/fuzz)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/.build/fuzz"}
mkdir -p "$out"
SWIFTC=${SWIFTC:-swiftc}
flags="-O -wmo -parse-as-library -swift-version 5 -enable-testing -sanitize=fuzzer,address -g"
system="-I $root/Sources/CDNNL -I $root/Sources/CZlib -I $root/Sources/CSQLite -I $root/Sources/CLibPQ $(pkg-config --cflags-only-I libpq | sed "s/-I/-Xcc -I/g")"

# A module is rebuilt when one of its sources is newer than its library, and then so is
# every module after it (the list below is in dependency order).
rebuilt=no
build_module() {
    name=$1
    library="$out/lib$name.a"
    if [ $rebuilt = no ] && [ -f "$library" ] && [ -z "$(find "$root/Sources/$name" -name '*.swift' -newer "$library")" ]; then
        return
    fi
    rebuilt=yes
    echo "fuzz: compiling $name"
    # shellcheck disable=SC2046,SC2086
    "$SWIFTC" $flags $system -I "$out" -module-name "$name" -emit-module -emit-module-path "$out/$name.swiftmodule" \
        -static -emit-library -o "$library" $(find "$root/Sources/$name" -name '*.swift' | sort)
}

for module in HoneCore HoneData HoneNN HoneOptim HoneTune HoneTrees HoneTrain; do
    build_module "$module"
done

libraries="-L $out -lHoneTrain -lHoneTrees -lHoneTune -lHoneOptim -lHoneNN -lHoneData -lHoneCore"
libraries="$libraries -ldnnl -lgomp $(pkg-config --libs zlib sqlite3 libpq)"
for harness in "$root"/Fuzz/Harnesses/*.swift; do
    name=$(basename "$harness" .swift)
    binary="$out/$name"
    if [ -f "$binary" ] && [ ! "$harness" -nt "$binary" ] && [ -z "$(find "$out" -name '*.a' -newer "$binary")" ]; then
        continue
    fi
    echo "fuzz: linking $name"
    # shellcheck disable=SC2086
    "$SWIFTC" $flags $system -use-ld=lld -I "$out" -module-name "$(echo "$name" | tr -d -)" "$harness" -o "$binary" $libraries
done

# The seed writer has its own main, so it links libFuzzer's runtime without libFuzzer's main.
no_main=$(find "$(dirname "$(command -v "$SWIFTC")")/../lib/clang" -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -n 1)
if [ ! -f "$out/fuzz-seeds" ] || [ "$root/Fuzz/Seeds.swift" -nt "$out/fuzz-seeds" ]; then
    echo "fuzz: linking fuzz-seeds"
    # shellcheck disable=SC2086
    "$SWIFTC" -O -wmo -parse-as-library -swift-version 5 -sanitize=address $system -use-ld=lld -I "$out" -module-name FuzzSeeds \
        "$root/Fuzz/Seeds.swift" -o "$out/fuzz-seeds" $libraries -Xlinker "$no_main" -lstdc++
fi
"$out/fuzz-seeds" "$out/corpus" "$root"
