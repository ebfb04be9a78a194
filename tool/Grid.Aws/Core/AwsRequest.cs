namespace Grid.Aws.Core;

/// <summary>One API call on the wire, before signing.</summary>
/// <param name="Service">Which service: endpoint, signing name, error messages.</param>
/// <param name="Operation">The API name, for errors and logs.</param>
/// <param name="Path">The request path (<c>/</c>, or Batch's <c>/v1/submitjob</c>).</param>
/// <param name="ContentType">The body's media type.</param>
/// <param name="Body">The body bytes.</param>
/// <param name="Target">The <c>X-Amz-Target</c> header of the JSON protocol, if any.</param>
public sealed record AwsRequest(
    AwsService Service, string Operation, string Path, string ContentType, byte[] Body, string? Target = null);

/// <summary>A successful answer: the body and the request id.</summary>
public sealed record AwsResponse(byte[] Body, string? RequestId);
