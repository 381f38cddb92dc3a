import { DynamicModule, FactoryProvider, ForwardReference, Provider, Type, ValueProvider } from '@nestjs/common';
import { PaymentsModule } from '../payments.module';
import { RAW_PAYMENTS_OPTIONS } from '../payments.module-definition';
import { PaymentsModuleOptions } from '../payments.options';

type ImportEntry = Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference;
type RawOptionsProvider = ValueProvider<PaymentsModuleOptions> | FactoryProvider<PaymentsModuleOptions>;

/**
 * The provider of the options given to `PaymentsModule.forRoot`/`forRootAsync` somewhere under
 * `root`, found through the modules' import metadata (no instance is created), or undefined.
 */
export async function findPaymentsOptionsProvider(root: Type<unknown>): Promise<RawOptionsProvider | undefined> {
  const seen = new Set<unknown>();
  const visit = async (entry: ImportEntry | undefined): Promise<RawOptionsProvider | undefined> => {
    const resolved = await entry;
    if (!resolved || seen.has(resolved)) return undefined;
    seen.add(resolved);
    if ('forwardRef' in resolved) return visit(resolved.forwardRef());
    const dynamic = 'module' in resolved ? (resolved as DynamicModule) : undefined;
    if (dynamic?.module === PaymentsModule) {
      return (dynamic.providers ?? []).find((p: Provider) => typeof p === 'object' && p.provide === RAW_PAYMENTS_OPTIONS) as RawOptionsProvider;
    }
    const moduleClass = dynamic ? dynamic.module : (resolved as Type<unknown>);
    const imports: ImportEntry[] = [...(dynamic?.imports ?? []), ...(Reflect.getMetadata('imports', moduleClass) ?? [])];
    for (const child of imports) {
      const found = await visit(child);
      if (found) return found;
    }
    return undefined;
  };
  return visit(root);
}

/** A factory that builds the app's own options, then lets `patch` replace what must come from the fake. */
export function patchedOptionsFactory(
  original: RawOptionsProvider,
  patch: (options: PaymentsModuleOptions) => PaymentsModuleOptions,
): { factory: (...deps: unknown[]) => Promise<PaymentsModuleOptions>; inject: FactoryProvider['inject'] } {
  if ('useValue' in original) return { factory: async () => patch(original.useValue), inject: [] };
  return { factory: async (...deps) => patch(await original.useFactory(...deps)), inject: original.inject ?? [] };
}
