#!/usr/bin/env bash
# The README tests itself. Its marked snippets (<!-- snippet: path -->, in README.md or docs/*.md) are
# copied into two fresh apps made as `nest new --strict` makes them, with this package installed from
# `npm pack` and everything else from the registry:
#   - Nest 12, ESM ("type": "module", nodenext, strict, TypeScript 6, Vitest): tsc, the generated
#     vitest.config.e2e.ts, and the README's jest.config.mjs;
#   - Nest 11, CommonJS (nodenext, the template's strict flags, TypeScript 5, TypeORM 0.3): tsc and Jest.
# Each is type-checked with `tsc --noEmit` and runs the README's offline test. A README that drifts
# from the code fails here. One npm cache is shared by both installs (--prefer-offline).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/readme-snippets.XXXXXX")
[ -n "${KEEP_README_APPS:-}" ] || trap 'rm -rf "$work"' EXIT
export NPM_CONFIG_AUDIT=false NPM_CONFIG_FUND=false NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_LOGLEVEL=error

[ -f dist/index.js ] || npm run build
tarball="$work/$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)"

# What the README's Install line and the testing section's dev dependencies add to a new app.
runtime=(stripe @nestjs/typeorm pg class-validator class-transformer @nestjs/passport passport @nestjs/jwt passport-jwt)
dev=(@types/passport-jwt better-sqlite3 supertest @types/supertest @types/express jest @types/jest @swc/core @swc/jest)

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

# make_app <dir> <package.json type field or ""> <tsconfig> <npm install args...>
make_app() {
  local dir=$1 type=$2 tsconfig=$3
  shift 3
  mkdir -p "$dir"
  printf '{ "name": "readme-app", "version": "0.0.0", "private": true%s }\n' "${type:+, \"type\": \"$type\"}" >"$dir/package.json"
  printf '%s\n' "$tsconfig" >"$dir/tsconfig.json"
  node "$root/scripts/extract-readme-snippets.mjs" "$dir" >/dev/null
  (cd "$dir" && npm install --prefer-offline --no-audit --no-fund "$@" >"$dir/npm-install.log" 2>&1) || { cat "$dir/npm-install.log"; return 1; }
}

step() { printf -- '-- %s (%ss)\n' "$1" "$((SECONDS - started))"; }

step "Nest 12 ESM app: install"
esm="$work/nest12-esm"
make_app "$esm" module "$tsconfig_nest12" \
  "$tarball" @nestjs/common@^12 @nestjs/core@^12 @nestjs/platform-express@^12 reflect-metadata rxjs typeorm "${runtime[@]}" \
  --save-dev @nestjs/testing@^12 typescript@^6 @types/node@^24 vitest@^4.1.2 vite-tsconfig-paths@^5 "${dev[@]}"
printf '%s\n' "$vitest_e2e" >"$esm/vitest.config.e2e.ts"
step "Nest 12 ESM app: tsc --noEmit (strict)"
(cd "$esm" && npx tsc --noEmit -p tsconfig.json)
step "Nest 12 ESM app: the README test with the generated vitest.config.e2e.ts"
(cd "$esm" && npx vitest run --config ./vitest.config.e2e.ts)
step "Nest 12 ESM app: the README test with the README's jest.config.mjs"
(cd "$esm" && npx jest --config jest.config.mjs --ci)

step "Nest 11 CommonJS app: install"
cjs="$work/nest11-cjs"
make_app "$cjs" "" "$tsconfig_nest11" \
  "$tarball" @nestjs/common@^11 @nestjs/core@^11 @nestjs/platform-express@^11 reflect-metadata rxjs typeorm@^0.3.20 \
  stripe @nestjs/typeorm@^11 pg class-validator class-transformer @nestjs/passport@^11 passport @nestjs/jwt@^11 passport-jwt \
  --save-dev @nestjs/testing@^11 typescript@^5.7.3 @types/node@^24 "${dev[@]}"
step "Nest 11 CommonJS app: tsc --noEmit (the template's strict flags)"
(cd "$cjs" && npx tsc --noEmit -p tsconfig.json)
step "Nest 11 CommonJS app: the README test with the README's jest.config.mjs"
(cd "$cjs" && npx jest --config jest.config.mjs --ci)

step "README snippets passed on Nest 12 ESM and Nest 11 CommonJS in $((SECONDS - started))s"
