using System.Globalization;
using Grid.CloudInABox;

// Usage: Grid.CloudInABox [--port N]   (0, the default, picks a free port)
// Prints "endpoint http://127.0.0.1:PORT/" on stdout once serving, then serves until SIGTERM or Ctrl+C.
// Settings come from the environment: GRID_REGISTRY, GRID_REGISTRY_USER, GRID_REGISTRY_PASSWORD, GRID_CLOUD_REGION,
// GRID_CLOUD_THROTTLE[_EC2|_ECR|_BATCH|_STS], GRID_CLOUD_NO_CAPACITY, GRID_CLOUD_SEED, GRID_CLOUD_WORKLOADS=run and
// GRID_CLOUD_WORKLOADS_DIR (instances and Batch jobs really run; see README.md).
var options = CloudOptions.FromEnvironment(Environment.GetEnvironmentVariable);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length)
    {
        options = options with { Port = int.Parse(args[++i], CultureInfo.InvariantCulture) };
    }
    else
    {
        await Console.Error.WriteLineAsync($"cloud-in-a-box: unknown argument '{args[i]}'; usage: Grid.CloudInABox [--port N]");
        return 2;
    }
}

await using var cloud = await CloudInABox.StartAsync(options);
Console.WriteLine($"endpoint {cloud.Endpoint}");
Console.WriteLine($"imds {cloud.ImdsBase}");
Console.WriteLine($"region {options.Region}");
Console.WriteLine($"access-key-id {options.AccessKeyId}");
Console.WriteLine($"secret-access-key {options.SecretAccessKey}");
await Console.Out.FlushAsync();
await cloud.WaitForShutdownAsync(CancellationToken.None);
return 0;
