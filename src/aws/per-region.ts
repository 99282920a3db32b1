/**
 * A client per region, built on first use and kept as long as the returned function is: a handler's dependencies
 * live as long as its Lambda environment, a CLI command's for that command.
 */
export function onePerRegion<C>(create: (region: string) => C): (region: string) => C {
  const clients = new Map<string, C>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = create(region);
      clients.set(region, client);
    }
    return client;
  };
}
