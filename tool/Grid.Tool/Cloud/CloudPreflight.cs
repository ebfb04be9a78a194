using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Grid.Aws;
using Grid.Aws.Core;
using Grid.Aws.Ec2;
using Grid.Aws.Ecr;
using Grid.Tool.Diagnostics;
using Grid.Tool.Manifest;

namespace Grid.Tool.Cloud;

/// <summary>What the checks found: the job as it will run, who runs it, and the registry login.</summary>
public sealed record CloudCheck(CloudJob Job, string CallerArn, EcrAuthorization Registry, bool RepositoryExists, IReadOnlyDictionary<string, decimal> SpotPrices);

/// <summary>
/// Every check a cloud run makes before it creates anything, in the order that fails cheapest first: the
/// settings themselves (region, repository name, instance types and their architecture against the image's,
/// the advertised address), then the credentials (STS), the subnets, and the registry (ECR's login, and the
/// registry answering it). `--dry-run` is exactly these checks, then the plan.
/// </summary>
public sealed partial class CloudPreflight(Func<string, AwsClients> clientsFor, HttpClient http, Func<string, string?> environment, TimeProvider time)
{
    public async Task<CloudCheck> CheckAsync(GridManifest manifest, CloudRunOptions options, CloudNames names, int workers, int slots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        string region = Region(options, manifest);
        string repository = Repository(manifest.Image.Repository);
        string architecture = InstanceTypes.Normalize(manifest.Image.Architecture);
        var types = InstanceTypesFor(manifest, architecture);
        if (options.Advertise is { } advertise)
        {
            Endpoints.ParseAdvertise(advertise);
        }

        foreach (string subnet in options.Subnets ?? [])
        {
            if (!SubnetShape().IsMatch(subnet))
            {
                throw new GridException(ErrorCodes.NoSubnets, $"'{subnet}' is not a subnet id; subnet ids look like subnet-0123456789abcdef0.");
            }
        }

        var aws = clientsFor(region);
        var identity = await Call(() => aws.Sts.GetCallerIdentityAsync(cancellationToken), "checking the credentials with STS").ConfigureAwait(false);
        var (vpc, subnets) = await SubnetsAsync(aws.Ec2, options.Subnets, region, cancellationToken).ConfigureAwait(false);

        bool exists = true;
        try
        {
            await aws.Ecr.DescribeRepositoriesAsync([repository], cancellationToken).ConfigureAwait(false);
        }
        catch (AwsException e) when (e.Code == "RepositoryNotFoundException")
        {
            exists = false;
        }
        catch (AwsException e) when (e.Code == "InvalidParameterException")
        {
            throw new GridException(ErrorCodes.RepositoryName, $"ECR refuses the repository name '{repository}': {e.ErrorMessage} Set GridRepository to a valid name.");
        }
        catch (AwsException e)
        {
            throw AwsFailures.Translate(e, "looking up the image repository");
        }

        var login = await Call(() => aws.Ecr.GetAuthorizationTokenAsync(cancellationToken), "getting the registry login from ECR").ConfigureAwait(false);
        await CheckRegistryAsync(login, cancellationToken).ConfigureAwait(false);
        var prices = await SpotPricesAsync(aws.Ec2, types, cancellationToken).ConfigureAwait(false);

        var job = new CloudJob
        {
            Names = names,
            Backend = options.Backend,
            Region = region,
            Account = identity.Account,
            Image = $"{login.Registry}/{repository}@{manifest.Image.Digest}",
            Registry = login.Registry,
            Architecture = architecture,
            InstanceTypes = types,
            VpcId = vpc,
            SubnetIds = subnets,
            Spot = manifest.Spot.Enabled,
            MaxSpotPrice = manifest.Spot.MaxPrice is { } max ? (decimal)max : null,
            OnDemandFallback = manifest.Spot.OnDemandFallback,
            Workers = workers,
            SlotsPerWorker = slots,
            Cpu = manifest.Resources.Cpu,
            MemoryMiB = manifest.Resources.MemoryMiB,
            InstanceProfile = options.InstanceProfile,
            MachineImage = options.MachineImage ?? CloudJob.DefaultMachineImage(architecture),
        };
        return new CloudCheck(job, identity.Arn, login, exists, prices);
    }

    private string Region(CloudRunOptions options, GridManifest manifest)
    {
        string? region = AwsRegion.Resolve(options.Region ?? manifest.Region, environment);
        if (region is null)
        {
            throw new GridException(ErrorCodes.AwsRegion, "no AWS region is configured. Pass --region, set GridRegion in the project, or set AWS_REGION (or the profile's region).");
        }

        if (!AwsRegions.IsKnown(region, environment))
        {
            throw new GridException(ErrorCodes.AwsRegion, $"'{region}' is not an AWS region. Check the spelling (regions look like eu-west-1); a region newer than this tool can be allowed with GRID_AWS_EXTRA_REGIONS={region}.");
        }

        return region;
    }

    /// <summary>ECR's rule: 2–256 characters, lowercase components separated by one '.', '_', '-' (or '__'), and '/'.</summary>
    public static string Repository(string repository)
    {
        if (repository.Length is < 2 or > 256 || !RepositoryShape().IsMatch(repository))
        {
            throw new GridException(ErrorCodes.RepositoryName,
                $"ECR would refuse the repository name '{repository}': use 2 to 256 lowercase letters and digits, separated by single '.', '_', '-' or '/'. Set GridRepository in the project.");
        }

        return repository;
    }

    private static List<string> InstanceTypesFor(GridManifest manifest, string architecture)
    {
        var types = manifest.Spot.InstanceTypes.Count > 0 ? manifest.Spot.InstanceTypes.ToList() : [.. InstanceTypes.DefaultsFor(architecture)];
        foreach (string type in types)
        {
            if (!InstanceTypes.LooksValid(type))
            {
                throw new GridException(ErrorCodes.InstanceType, $"'{type}' is not an EC2 instance type; types look like c7g.large. Fix GridInstanceTypes.");
            }
        }

        var wrong = types.Where(t => InstanceTypes.ArchitectureOf(t) != architecture).ToList();
        if (wrong.Count > 0)
        {
            throw new GridException(ErrorCodes.ArchitectureMismatch,
                $"the image is built for linux/{architecture} but {string.Join(", ", wrong)} {(wrong.Count == 1 ? "is" : "are")} {InstanceTypes.ArchitectureOf(wrong[0])}: its workers would fail with 'exec format error'. Publish for {InstanceTypes.ArchitectureOf(wrong[0])} (GridArchitecture) or choose {architecture} instance types.");
        }

        return types;
    }

    private static async Task<(string Vpc, IReadOnlyList<string> Subnets)> SubnetsAsync(IEc2 ec2, IReadOnlyList<string>? given, string region, CancellationToken cancellationToken)
    {
        IReadOnlyList<Subnet> subnets;
        try
        {
            subnets = given is { Count: > 0 }
                ? await ec2.DescribeSubnetsAsync(given, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await ec2.DescribeSubnetsAsync(filters: [new Filter("default-for-az", ["true"])], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (AwsException e) when (e.Code.StartsWith("InvalidSubnet", StringComparison.Ordinal))
        {
            throw new GridException(ErrorCodes.NoSubnets, $"the subnets {string.Join(", ", given ?? [])} are not all in {region}: {e.ErrorMessage}");
        }
        catch (AwsException e)
        {
            throw AwsFailures.Translate(e, "looking up subnets");
        }

        if (subnets.Count == 0)
        {
            throw new GridException(ErrorCodes.NoSubnets, $"{region} has no default VPC with default subnets. Pass --subnets subnet-…,subnet-… (one VPC, with a route to the internet or to ECR endpoints).");
        }

        var vpcs = subnets.Select(s => s.VpcId).Distinct().ToList();
        if (vpcs.Count > 1)
        {
            throw new GridException(ErrorCodes.NoSubnets, $"the subnets span several VPCs ({string.Join(", ", vpcs)}); give subnets of one VPC.");
        }

        return (vpcs[0], subnets.Select(s => s.SubnetId).ToList());
    }

    /// <summary>The registry answers its API root, and accepts ECR's login.</summary>
    private async Task CheckRegistryAsync(EcrAuthorization login, CancellationToken cancellationToken)
    {
        var (user, password) = login.Credentials;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(login.ProxyEndpoint.TrimEnd('/') + "/"), "v2/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        HttpResponseMessage response;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new GridException(ErrorCodes.RegistryUnreachable, $"the registry {login.ProxyEndpoint} cannot be reached: {e.Message}. Check the network path to ECR (a proxy, a VPC endpoint).");
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new GridException(ErrorCodes.RegistryUnreachable, $"the registry {login.ProxyEndpoint} refused ECR's login ({(int)response.StatusCode}). Check ecr:GetAuthorizationToken and the repository permissions (`dotnet grid iam-policy`).");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new GridException(ErrorCodes.RegistryUnreachable, $"the registry {login.ProxyEndpoint} answered {(int)response.StatusCode} {response.ReasonPhrase} to its API root; it is not an OCI registry Grid can push to.");
            }
        }
    }

    /// <summary>The lowest current spot price of each type over the zones (for the estimate); empty when EC2 gives none.</summary>
    private async Task<IReadOnlyDictionary<string, decimal>> SpotPricesAsync(IEc2 ec2, IReadOnlyList<string> types, CancellationToken cancellationToken)
    {
        var history = await Call(() => ec2.DescribeSpotPriceHistoryAsync(types, time.GetUtcNow(), cancellationToken: cancellationToken), "reading spot prices").ConfigureAwait(false);
        return history.GroupBy(p => p.InstanceType)
            .ToDictionary(g => g.Key, g => g.GroupBy(p => p.AvailabilityZone).Select(z => z.MaxBy(p => p.Timestamp)!.Price).Min(), StringComparer.Ordinal);
    }

    private static async Task<T> Call<T>(Func<Task<T>> call, string doing)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AwsException e)
        {
            throw AwsFailures.Translate(e, doing);
        }
    }

    [GeneratedRegex("^(?:[a-z0-9]+(?:[._-][a-z0-9]+|__[a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+|__[a-z0-9]+)*$")]
    private static partial Regex RepositoryShape();

    [GeneratedRegex("^subnet-[0-9a-f]{8,17}$")]
    private static partial Regex SubnetShape();
}
