using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using StockWatch.Core.Notifications;

namespace StockWatch.Notifications;

/// <summary>
/// Sends each message as an e-mail over SMTP: plain text and HTML, the subject naming the alert type and the product.
/// TLS on connect for port 465, STARTTLS otherwise when <c>UseTls</c>; logs in when <c>User</c> is set.
/// </summary>
public sealed class EmailChannel(string name, ChannelFilter filter, ChannelOptions options) : IAlertChannel
{
    public string Name => name;

    public ChannelFilter Filter => filter;

    public async Task SendAsync(string deliveryId, Announcement message, CancellationToken cancellationToken)
    {
        using var smtp = new SmtpClient();
        var security = !options.UseTls ? SecureSocketOptions.None : options.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
        await smtp.ConnectAsync(options.Host!, options.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(options.User))
        {
            await smtp.AuthenticateAsync(options.User, options.Password ?? string.Empty, cancellationToken);
        }

        await smtp.SendAsync(Compose(deliveryId, message, options), cancellationToken);
        await smtp.DisconnectAsync(quit: true, cancellationToken);
    }

    public static MimeMessage Compose(string deliveryId, Announcement message, ChannelOptions options)
    {
        var mail = new MimeMessage { Subject = $"[StockWatch] {message.Subject}" };
        mail.From.Add(MailboxAddress.Parse(options.From!));
        mail.To.AddRange(options.To.Select(MailboxAddress.Parse));

        // The same id on every attempt, so a mail server or reader can tell a repeat.
        mail.MessageId = $"{deliveryId}@stockwatch";
        // A digest's text lists its alerts as "- " lines (Announcement.ForImport): a list in the HTML part.
        var text = string.Join('\n', [message.Text, .. message.Link is { } link ? new[] { string.Empty, link.AbsoluteUri } : []]);
        var paragraphs = message.Text.Split('\n');
        var lines = paragraphs.Where(l => l.StartsWith("- ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();
        var html = $"""
            <!DOCTYPE html>
            <html><body>
            <h1>{WebUtility.HtmlEncode(message.Subject)}</h1>
            {string.Concat(paragraphs.Where(l => !l.StartsWith("- ", StringComparison.Ordinal)).Select(l => $"<p>{WebUtility.HtmlEncode(l)}</p>"))}
            {(lines.Count > 0 ? "<ul>" + string.Concat(lines.Select(l => $"<li>{WebUtility.HtmlEncode(l)}</li>")) + "</ul>" : string.Empty)}
            {(message.Link is { } href ? $"<p><a href=\"{WebUtility.HtmlEncode(href.AbsoluteUri)}\">{WebUtility.HtmlEncode(href.AbsoluteUri)}</a></p>" : string.Empty)}
            </body></html>
            """;
        mail.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return mail;
    }
}
