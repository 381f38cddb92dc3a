import { DiscoveryService, MetadataScanner } from '@nestjs/core';

/** A decorator's metadata found on a controller or one of its handlers, with where it was found. */
export interface RouteMetadata<T> {
  value: T;
  /** `Controller` or `Controller.method`, for the start-up sentence. */
  where: string;
}

/**
 * Every value of metadata `key` on the app's controllers and their handlers, so start-up checks
 * can refuse a decorator argument at boot rather than on the route's first request.
 */
export function findRouteMetadata<T>(discovery: DiscoveryService, key: string): RouteMetadata<T>[] {
  const scanner = new MetadataScanner();
  const found: RouteMetadata<T>[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as { name?: string; prototype?: object } | null;
    if (!type?.prototype) continue;
    const onClass: T | undefined = Reflect.getMetadata(key, type);
    if (onClass !== undefined) found.push({ value: onClass, where: type.name ?? 'controller' });
    for (const name of scanner.getAllMethodNames(type.prototype)) {
      const handler = (type.prototype as Record<string, unknown>)[name];
      const value: T | undefined = typeof handler === 'function' ? Reflect.getMetadata(key, handler) : undefined;
      if (value !== undefined) found.push({ value, where: `${type.name}.${name}` });
    }
  }
  return found;
}
