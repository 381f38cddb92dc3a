#!/usr/bin/env bash
# The README tests itself. Its marked snippets (<!-- snippet: path -->, in README.md or docs/*.md) are
# copied into two fresh apps made as `nest new --strict` makes them, with this package installed from
# `npm pack` and everything else from the registry:
#   - Nest 12, ESM ("type": "module", nodenext, strict, TypeScript 6, Vitest): tsc, the generated
#     vitest.config.e2e.ts, and the README's jest.config.mjs;
#   - Nest 11, CommonJS (nodenext, the template's strict flags, TypeScript 5, TypeORM 0.3): tsc and Jest.
# Each is type-checked with `tsc --noEmit` and runs the README's offline test; the Nest 12 app's
# main.ts is also started on PostgreSQL (TEST_POSTGRES_URL, as the test suite uses). A README that drifts
# from the code fails here. One npm cache is shared by both installs (--prefer-offline). Prints the time it took.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/readme-snippets.XXXXXX")
[ -n "${KEEP_README_APPS:-}" ] || trap 'rm -rf "$work"' EXIT
pg_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
export NPM_CONFIG_AUDIT=false NPM_CONFIG_FUND=false NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_LOGLEVEL=error

[ -f dist/index.js ] || npm run build
tarball="$work/$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)"

# What the README's Install line and the testing section's dev dependencies add to a new app.
runtime=(stripe @nestjs/typeorm pg class-validator class-transformer @nestjs/passport passport @nestjs/jwt passport-jwt)
sqlite_version=$(node -p 'require("better-sqlite3/package.json").version' 2>/dev/null || echo latest)
dev=(@types/passport-jwt "better-sqlite3@$sqlite_version" supertest @types/supertest @types/express jest @types/jest @swc/core @swc/jest)

# The tsconfig.json of `nest new --strict` (@nestjs/schematics 12, ts-esm template).
tsconfig_nest12='{
  "compilerOptions": {
    "module": "nodenext", "moduleResolution": "nodenext", "resolvePackageJsonExports": true,
    "esModuleInterop": true, "isolatedModules": true, "declaration": true, "removeComments": true,
    "emitDecoratorMetadata": true, "experimentalDecorators": true, "allowSyntheticDefaultImports": true,
    "target": "ES2023", "sourceMap": true, "outDir": "./dist", "rootDir": ".", "incremental": true,
    "skipLibCheck": true, "strict": true, "strictPropertyInitialization": false,
    "types": ["vitest/globals", "node"]
  }
}'
# The vitest.config.e2e.ts of that template, unchanged.
vitest_e2e="import { defineConfig } from 'vitest/config';
import tsconfigPaths from 'vite-tsconfig-paths';

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    globals: true,
    root: './',
    include: ['**/*.e2e-spec.ts'],
  },
});"
# The tsconfig.json of `nest new --strict` (@nestjs/schematics 11, ts template: CommonJS).
tsconfig_nest11='{
  "compilerOptions": {
    "module": "nodenext", "moduleResolution": "nodenext", "resolvePackageJsonExports": true,
    "esModuleInterop": true, "isolatedModules": true, "declaration": true, "removeComments": true,
    "emitDecoratorMetadata": true, "experimentalDecorators": true, "allowSyntheticDefaultImports": true,
    "target": "ES2023", "sourceMap": true, "outDir": "./dist", "baseUrl": "./", "incremental": true,
    "skipLibCheck": true, "strictNullChecks": true, "forceConsistentCasingInFileNames": true,
    "noImplicitAny": true, "strictBindCallApply": true, "noFallthroughCasesInSwitch": true
  }
}'

# make_app <dir> <package.json "type" or ""> <tsconfig> <dependency specs...> -- <dev dependency specs...>
# Writes package.json with both lists and installs once. Install scripts are skipped: the only one
# these apps need is better-sqlite3's native build, and its prebuilt-binary download cannot succeed
# offline (it waits minutes for a timeout before compiling), so the addon this repo's own install
# built for the same version is copied instead, or compiled from source when there is none.
make_app() {
  local dir=$1 type=$2 tsconfig=$3
  shift 3
  mkdir -p "$dir"
  node -e '
    const [dir, type, ...specs] = process.argv.slice(1);
    const split = specs.indexOf("--");
    const toMap = (list) => Object.fromEntries(list.map((spec) => {
      if (spec.endsWith(".tgz")) return ["nestjs-headless-payments", `file:${spec}`];
      const at = spec.lastIndexOf("@");
      return at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, "*"];
    }));
    const pkg = { name: "readme-app", version: "0.0.0", private: true, ...(type ? { type } : {}),
      dependencies: toMap(specs.slice(0, split)), devDependencies: toMap(specs.slice(split + 1)) };
    require("fs").writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
  ' "$dir" "$type" "$@"
  printf '%s\n' "$tsconfig" >"$dir/tsconfig.json"
  node "$root/scripts/extract-readme-snippets.mjs" "$dir" >/dev/null
  (cd "$dir" && npm install --prefer-offline --ignore-scripts --no-audit --no-fund >"$dir/npm-install.log" 2>&1) || { cat "$dir/npm-install.log"; return 1; }
  local addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
  if [ -f "$root/$addon" ] && [ "$(cd "$dir" && node -p 'require("better-sqlite3/package.json").version')" = "$sqlite_version" ]; then
    mkdir -p "$(dirname "$dir/$addon")" && cp "$root/$addon" "$dir/$addon"
  else
    (cd "$dir" && npm rebuild better-sqlite3 --build-from-source >>"$dir/npm-install.log" 2>&1) || { cat "$dir/npm-install.log"; return 1; }
  fi
}

# boot_quick_start <app dir>: builds the app, starts its main.ts on a fresh PostgreSQL database with
# test-mode keys (nothing calls Stripe at start-up), asks one guarded route, stops it, drops the database.
boot_quick_start() {
  local dir=$1 db port pid status
  db="readme_$$_$RANDOM"
  port=$(node -e 'const s = require("net").createServer().listen(0, () => { console.log(s.address().port); s.close(); })')
  (cd "$dir" && npx tsc -p tsconfig.json --outDir dist)
  pg_admin "$dir" "CREATE DATABASE $db"
  (cd "$dir" && DATABASE_URL="${pg_url%/*}/$db" STRIPE_SECRET_KEY=sk_test_readme STRIPE_WEBHOOK_SECRET=whsec_readme PORT=$port \
    exec node dist/src/main.js >"$dir/boot.log" 2>&1) &
  pid=$!
  for _ in $(seq 1 60); do grep -q 'Nest application successfully started' "$dir/boot.log" && break; sleep 0.5; done
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/reports/export" || true)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pg_admin "$dir" "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  if ! grep -q 'Nest application successfully started' "$dir/boot.log" || [ "$status" != 401 ]; then
    cat "$dir/boot.log"
    echo "the Quick start app did not boot, or GET /api/reports/export without a token answered $status instead of 401"
    return 1
  fi
}

# pg_admin <app dir> <sql>: runs one statement with the app's own pg driver on the test server.
pg_admin() {
  (cd "$1" && node --input-type=commonjs -e '
    const { Client } = require("pg");
    const client = new Client({ connectionString: process.argv[1] });
    client.connect().then(() => client.query(process.argv[2])).finally(() => client.end()).catch((e) => { console.error(e.message); process.exit(1); });
  ' "$pg_url" "$2")
}

step() { printf -- '-- %s (%ss)\n' "$1" "$((SECONDS - started))"; }

step "Nest 12 ESM app: install"
esm="$work/nest12-esm"
make_app "$esm" module "$tsconfig_nest12" \
  "$tarball" @nestjs/common@^12 @nestjs/core@^12 @nestjs/platform-express@^12 reflect-metadata rxjs typeorm "${runtime[@]}" \
  -- @nestjs/testing@^12 typescript@^6 @types/node@^24 vitest@^4.1.2 vite-tsconfig-paths@^5 "${dev[@]}"
printf '%s\n' "$vitest_e2e" >"$esm/vitest.config.e2e.ts"
step "Nest 12 ESM app: npx nestjs-headless-payments --help (the installed bin)"
help=$(cd "$esm" && npx --no-install nestjs-headless-payments --help)
grep -q 'events:replay <evt_id>' <<<"$help"
step "Nest 12 ESM app: tsc --noEmit (strict)"
(cd "$esm" && npx tsc --noEmit -p tsconfig.json)
step "Nest 12 ESM app: the README test with the generated vitest.config.e2e.ts"
(cd "$esm" && npx vitest run --config ./vitest.config.e2e.ts)
step "Nest 12 ESM app: the README test with the README's jest.config.mjs"
(cd "$esm" && npx jest --config jest.config.mjs --ci)

step "Nest 12 ESM app: the Quick start boots on PostgreSQL (tsc build, node dist/src/main.js) and guards its route"
boot_quick_start "$esm"

step "Nest 11 CommonJS app: install"
cjs="$work/nest11-cjs"
make_app "$cjs" "" "$tsconfig_nest11" \
  "$tarball" @nestjs/common@^11 @nestjs/core@^11 @nestjs/platform-express@^11 reflect-metadata rxjs typeorm@^0.3.20 \
  stripe @nestjs/typeorm@^11 pg class-validator class-transformer @nestjs/passport@^11 passport @nestjs/jwt@^11 passport-jwt \
  -- @nestjs/testing@^11 typescript@^5.7.3 @types/node@^24 "${dev[@]}"
step "Nest 11 CommonJS app: tsc --noEmit (the template's strict flags)"
(cd "$cjs" && npx tsc --noEmit -p tsconfig.json)
step "Nest 11 CommonJS app: the README test with the README's jest.config.mjs"
(cd "$cjs" && npx jest --config jest.config.mjs --ci)

step "README snippets passed on Nest 12 ESM and Nest 11 CommonJS in $((SECONDS - started))s"
